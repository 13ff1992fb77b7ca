/**
 * Reliability, faults in what Azure reports: lost PUT answers, 404 after create, failed long-running
 * operations, OSProvisioningTimedOut for a VM that comes up (see harness.ts).
 */
import { reliabilitySuite } from './harness.js';

reliabilitySuite(['lost-writes', 'eventual-consistency', 'failed-lros', 'os-provisioning']);
