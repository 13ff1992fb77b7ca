/** Windows Server images offered for the Qlik Sense node (publisher MicrosoftWindowsServer, offer WindowsServer). */
export const WINDOWS_IMAGES = {
  '2022-datacenter-azure-edition': 'Windows Server 2022 Datacenter: Azure Edition (default)',
  '2025-datacenter-azure-edition': 'Windows Server 2025 Datacenter: Azure Edition',
  '2022-datacenter-g2': 'Windows Server 2022 Datacenter (Gen2)',
  '2019-datacenter-gensecond': 'Windows Server 2019 Datacenter (Gen2)',
} as const;

export type WindowsImageSku = keyof typeof WINDOWS_IMAGES;
/** Every image offered is Hyper-V generation 2 (Azure Edition and -g2/-gensecond are Gen2 only), so the size must boot V2. */
export const OFFERED_IMAGE_GENERATION = 'V2';
export const DEFAULT_IMAGE: WindowsImageSku = '2022-datacenter-azure-edition';
export const IMAGE_PUBLISHER = 'MicrosoftWindowsServer';
export const IMAGE_OFFER = 'WindowsServer';

/** Images users ask for because the guide names them, with the reason they are refused. */
export const REFUSED_IMAGES: Record<string, string> = {
  '2012-r2-datacenter': 'Windows Server 2012 R2 (the guide\'s image) left extended support in October 2023 and current Qlik Sense releases do not support it',
  '2016-datacenter': 'Windows Server 2016 is outside current Qlik Sense releases\' supported platforms',
};
