/** Guide steps 1-33 on Azure: each runnable step, by its catalogue number. */
import type { PhaseSteps } from '../index.js';
import { addressCheck } from './address.js';
import { nicStep } from './nic.js';
import { nsgRulesCheck, nsgStep } from './nsg.js';
import { publicIpStep } from './public-ip.js';
import { resourceGroupStep } from './resource-group.js';
import { storageStep } from './storage.js';
import { vmSizeCheck } from './vm-size.js';
import { vmStep } from './vm.js';
import { vnetStep } from './vnet.js';

export const steps: PhaseSteps = [
  [1, resourceGroupStep],
  [5, nsgStep],
  [12, nsgRulesCheck],
  [13, storageStep],
  [16, vnetStep],
  [23, vmSizeCheck],
  [25, nicStep],
  [26, publicIpStep],
  [29, vmStep],
  [30, addressCheck],
];
