// Server-side duration of each operation, from the real recordings summarised in
// shared/notes/azure-sdk-and-arm.md §5 and the recordings README, multiplied by
// latencyScale (0 = instant for unit tests, 1 = what a user waits on real Azure).

/** Seconds real ARM took for each operation (one recorded sample each, or the documented minimum). */
export const OPERATION_SECONDS = {
  resourceGroupCreate: 0.3, // synchronous PUT; a few hundred ms end to end
  resourceGroupDelete: 17,
  virtualNetworkCreate: 21,
  subnetCreate: 1,
  networkSecurityGroupCreate: 4, // not recorded; same class as a public IP
  publicIpCreate: 3,
  publicIpDelete: 10,
  networkInterfaceCreate: 1, // synchronous: the 201 itself takes ~1 s
  networkDelete: 1,
  storageAccountCreate: 19,
  storageAccountDelete: 1,
  virtualMachineCreate: 96,
  virtualMachineDelete: 26,
  diskDelete: 0.2, // js-vm-delete.json: the OS disk's DiskOperations status says 0.22 s from start to end
  virtualMachinePowerAction: 30, // start/restart/powerOff: not recorded, order of half a minute
  runCommand: 20, // documented minimum per script; executor time comes on top
  actionRunCommand: 67,
  runCommandDelete: 5,
  // Not recorded; the docs say registration can take a few minutes (resource-providers-and-types).
  providerRegistration: 60,
} as const;

export type TimedOperation = keyof typeof OPERATION_SECONDS;

/** Retry-After values ARM sent (initial response, then each poll) per provider family. */
export const RETRY_AFTER_SECONDS = {
  network: { initial: 3, poll: 10 },
  compute: { initial: 10, poll: 30 },
  storage: { initial: 17, poll: 17 },
  resources: { initial: 15, poll: 15 },
} as const;

export type ProviderFamily = keyof typeof RETRY_AFTER_SECONDS;

export class LatencyModel {
  constructor(readonly scale: number) {}

  durationMs(operation: TimedOperation): number {
    return Math.round(OPERATION_SECONDS[operation] * 1000 * this.scale);
  }

  /**
   * Retry-After header value in whole seconds. core-lro ignores `0` and keeps the
   * client's own interval, which is what fast tests want.
   */
  retryAfter(seconds: number): string {
    return String(Math.round(seconds * this.scale));
  }

  /** Waits the scaled duration of a synchronous operation before answering. */
  async pause(operation: TimedOperation): Promise<void> {
    const ms = this.durationMs(operation);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
