/** The VM phase: guide steps 34-40 and 46, on the VM through Run Command (35 and 39 write local files). */
import type { PhaseSteps } from '../index.js';
import { accountTableStep } from './account-table.js';
import { accountsStep } from './accounts.js';
import { firewallStep } from './firewall.js';
import { installStep } from './install.js';
import { rdpFileStep } from './rdp-file.js';
import { readinessStep } from './readiness.js';

export const steps: PhaseSteps = [
  [34, readinessStep],
  [35, rdpFileStep],
  [38, accountsStep],
  [39, accountTableStep],
  [40, installStep],
  [46, firewallStep],
];
