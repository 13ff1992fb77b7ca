/**
 * VM sizes the tool offers, and the sizing hint. The guide starts at DS3 or DS12 (Dsv2, announced for
 * retirement in 2028, notes/azure-sdk-and-arm.md §4); the v5 sizes are the current equivalents.
 */
export interface VmSize {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryGb: number;
  /** The family name Azure's core quota is counted in. */
  readonly quotaFamily: string;
  readonly note?: string;
}

export const VM_SIZES: readonly VmSize[] = [
  { name: 'Standard_D4s_v5', vcpus: 4, memoryGb: 16, quotaFamily: 'standardDSv5Family', note: 'current equivalent of the guide\'s DS3' },
  { name: 'Standard_E4s_v5', vcpus: 4, memoryGb: 32, quotaFamily: 'standardESv5Family', note: 'current equivalent of the guide\'s DS12' },
  { name: 'Standard_D8s_v5', vcpus: 8, memoryGb: 32, quotaFamily: 'standardDSv5Family' },
  { name: 'Standard_E8s_v5', vcpus: 8, memoryGb: 64, quotaFamily: 'standardESv5Family' },
  { name: 'Standard_E16s_v5', vcpus: 16, memoryGb: 128, quotaFamily: 'standardESv5Family' },
  { name: 'Standard_E32s_v5', vcpus: 32, memoryGb: 256, quotaFamily: 'standardESv5Family' },
  { name: 'Standard_DS3_v2', vcpus: 4, memoryGb: 14, quotaFamily: 'standardDSv2Family', note: 'the guide\'s size; Dsv2 retires in 2028' },
  { name: 'Standard_DS12_v2', vcpus: 4, memoryGb: 28, quotaFamily: 'standardDSv2Family', note: 'the guide\'s size; Dsv2 retires in 2028' },
];

export const DEFAULT_VM_SIZE = 'Standard_D4s_v5';

export function findVmSize(name: string): VmSize | undefined {
  return VM_SIZES.find((size) => size.name.toLowerCase() === name.toLowerCase());
}

/**
 * A single-node starting point: Qlik's engine keeps apps in memory, so memory follows the data held by
 * apps and the number of concurrent users. A rough rule that errs on the side of memory.
 */
export function recommendVmSize(expectedUsers: number, expectedApps: number): VmSize {
  const memoryNeededGb = 8 + expectedUsers * 0.25 + expectedApps * 0.5;
  const sorted = VM_SIZES.filter((size) => !size.note?.includes('retires')).sort((a, b) => a.memoryGb - b.memoryGb);
  return sorted.find((size) => size.memoryGb >= memoryNeededGb) ?? sorted[sorted.length - 1]!;
}
