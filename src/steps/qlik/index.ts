/** The Qlik phase: guide steps 41-45 and 48 through the repository API on the VM, and 47 from this machine. */
import type { PhaseSteps } from '../index.js';
import { accessStep } from './access.js';
import { certificateStep } from './certificate.js';
import { licenseStep } from './license.js';
import { probeStep } from './probe.js';
import { proxyStep } from './proxy.js';
import { rootAdminStep } from './root-admin.js';
import { waitRepositoryStep } from './wait-repository.js';

export const steps: PhaseSteps = [
  [41, waitRepositoryStep],
  [42, licenseStep],
  [43, accessStep],
  [44, rootAdminStep],
  [45, proxyStep],
  [47, probeStep],
  [48, certificateStep],
];
