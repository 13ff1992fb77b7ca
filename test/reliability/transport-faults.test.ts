/** Reliability, faults on the wire: 429 storms, 5xx, reset connections, lost answers (see harness.ts). */
import { reliabilitySuite } from './harness.js';

reliabilitySuite(['storm', 'server-errors', 'resets', 'lost-responses', 'flaky']);
