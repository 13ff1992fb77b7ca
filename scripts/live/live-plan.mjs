// What the live test (npm run test:live, issue 21) will do, decided before anything starts: its options,
// the small, clearly named and tagged deployment it makes, the cost estimate and the time limit.
// Pure functions, so test/live/runner.test.ts checks them without a subscription.
import { parseArgs } from 'node:util';

/** Bad input: named flag, the fix; exit 3 before anything is created (the CLI's convention). */
export class LiveInputError extends Error {}

/**
 * Pay-as-you-go list prices in USD per hour, Windows included, East US, as published on
 * https://azure.microsoft.com/pricing/details/virtual-machines/windows/ (2025). Other regions differ by
 * up to about 30 %; the estimate says so. Only the sizes Qlik's single node fits (src/qlik/sizing.ts:
 * 4 vCPUs and 16 GB at least) and whose price is written here may be chosen.
 */
export const VM_PRICE_PER_HOUR = {
  Standard_D4s_v5: 0.376,
  Standard_E4s_v5: 0.436,
};
/** The rest of the deployment: a P10 Premium SSD OS disk (USD 19.71/month), a Standard static IP, storage and traffic. */
export const OTHER_PRICE_PER_HOUR = { osDiskP10: 0.027, standardStaticIp: 0.005, storageAndTraffic: 0.01 };
/** The cheapest size that fits. */
export const DEFAULT_VM_SIZE = 'Standard_D4s_v5';
/** Steps 1-48 take about 30 minutes on Azure (bench/, README); the installer can take 20 more. */
export const DEFAULT_TIME_LIMIT_MINUTES = 90;
/** Destroy runs after the limit too: deleting the group takes a few minutes; this bounds the bill. */
export const CLEANUP_MINUTES = 30;
/** Where the NSG lets the step-47 probe in from when none is named: a documentation range, so nobody. */
const DEFAULT_ALLOWED_CIDR = '203.0.113.0/24';
const SIMULATED_INSTALLER = 'https://example.com/downloads/Qlik_Sense_setup.exe';
export const CONFIRM_FLAG = '--yes-i-understand-this-costs-money';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const USAGE = `Usage: npm run test:live -- --subscription ID --location REGION --secrets-file FILE --installer-url URL ${CONFIRM_FLAG}

Deploys a small, tagged Qlik Sense server with the real CLI (apply, steps 1-48), checks that plan shows no
changes, destroys it, checks that nothing is left, and records what Azure answered (sanitised).

  --subscription ID          the subscription to bill (required)
  --location REGION          e.g. westeurope (required)
  --secrets-file FILE        mode 0600; at least the license (licenseKey, or licenseSerial and licenseControl);
                             missing passwords are generated beside the state
  --installer-url URL        where the VM downloads the Qlik Sense installer (may carry a SAS)
  --license-owner NAME, --license-organization NAME
                             with a serial-number license: whom it was issued to
  --allow-cidr CIDR          who may reach the server (the step-47 probe needs your address; default ${DEFAULT_ALLOWED_CIDR}: nobody)
  --vm-size SIZE             ${Object.keys(VM_PRICE_PER_HOUR).join(' or ')} (default ${DEFAULT_VM_SIZE})
  --time-limit-minutes N     stop and destroy after N minutes (default ${DEFAULT_TIME_LIMIT_MINUTES})
  --auth KIND                passed to qlik-azure (default cli: your az login)
  --record-dir DIR           default test/recordings/<date>-<region>
  --work-dir DIR             config and state (default a new temporary folder)
  ${CONFIRM_FLAG}
                             without it, a terminal asks you to type the deployment name
  --simulate                 for the runner's own tests: the same run against the local simulator`;

export function parseLiveOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        subscription: { type: 'string' },
        location: { type: 'string' },
        'secrets-file': { type: 'string' },
        'installer-url': { type: 'string' },
        'allow-cidr': { type: 'string' },
        'license-owner': { type: 'string' },
        'license-organization': { type: 'string' },
        'vm-size': { type: 'string', default: DEFAULT_VM_SIZE },
        'time-limit-minutes': { type: 'string', default: String(DEFAULT_TIME_LIMIT_MINUTES) },
        auth: { type: 'string', default: 'cli' },
        'record-dir': { type: 'string' },
        'work-dir': { type: 'string' },
        [CONFIRM_FLAG.slice(2)]: { type: 'boolean', default: false },
        simulate: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new LiveInputError(`${error.message}. Fix: see --help`);
  }
  if (values.help) return { help: true };
  const problems = [];
  const need = (flag, fix) => { if (!values[flag]) problems.push(`--${flag} is required. Fix: ${fix}`); };
  need('subscription', "pass --subscription ID ('az account show --query id -o tsv' prints yours)");
  need('location', 'pass --location REGION, e.g. westeurope');
  need('secrets-file', 'pass --secrets-file FILE (mode 0600) holding licenseKey, or licenseSerial and licenseControl');
  if (!values.simulate) need('installer-url', 'pass --installer-url URL of the Qlik Sense installer (a SAS link works)');
  if (values.subscription && !GUID.test(values.subscription)) problems.push(`--subscription '${values.subscription}' is not a subscription id (a GUID). Fix: 'az account show --query id -o tsv'`);
  if (values.location && !/^[a-z0-9]+$/.test(values.location)) problems.push(`--location '${values.location}' is not a region name. Fix: a short name such as westeurope ('az account list-locations -o table')`);
  if (!(values['vm-size'] in VM_PRICE_PER_HOUR)) problems.push(`--vm-size '${values['vm-size']}' has no price here. Fix: one of ${Object.keys(VM_PRICE_PER_HOUR).join(', ')}`);
  const minutes = Number(values['time-limit-minutes']);
  if (!(Number.isFinite(minutes) && minutes > 0 && minutes <= 240)) problems.push(`--time-limit-minutes '${values['time-limit-minutes']}' is not a number of minutes from 0 to 240. Fix: e.g. ${DEFAULT_TIME_LIMIT_MINUTES}`);
  if (problems.length > 0) throw new LiveInputError(problems.join('\n'));
  return {
    help: false,
    subscription: values.subscription.toLowerCase(),
    location: values.location,
    secretsFile: values['secrets-file'],
    installerUrl: values['installer-url'] ?? SIMULATED_INSTALLER,
    allowCidr: values['allow-cidr'] ?? DEFAULT_ALLOWED_CIDR,
    licenseOwner: values['license-owner'],
    licenseOrganization: values['license-organization'],
    vmSize: values['vm-size'],
    timeLimitMinutes: minutes,
    auth: values.auth,
    recordDir: values['record-dir'],
    workDir: values['work-dir'],
    confirmed: values[CONFIRM_FLAG.slice(2)],
    simulate: values.simulate,
  };
}

/** A name that says what it is and when it was made: qlaz-live-DDHHMM (the computer name keeps 15 of it). */
export function liveDeploymentName(now) {
  const two = (n) => String(n).padStart(2, '0');
  return `qlaz-live-${two(now.getUTCDate())}${two(now.getUTCHours())}${two(now.getUTCMinutes())}`;
}

/** The deployment's config (qlik-azure.yaml as an object): the smallest size that fits, tagged as a live test with its expiry. */
export function liveDeploymentConfig(options, licenseMethod, now) {
  if (licenseMethod === 'serial' && !(options.licenseOwner && options.licenseOrganization)) {
    throw new LiveInputError('the secrets file holds a serial-number license: --license-owner and --license-organization are required. Fix: pass whom the license was issued to, as on the license');
  }
  const expires = new Date(now.getTime() + (options.timeLimitMinutes + CLEANUP_MINUTES) * 60_000);
  return {
    deployment: liveDeploymentName(now),
    subscriptionId: options.subscription,
    location: options.location,
    tags: { purpose: 'qlik-azure-live-test', 'qlik-azure-live-test-expires': expires.toISOString(), 'qlik-azure-live-test-delete': 'yes' },
    network: { allowedSourceCidrs: [options.allowCidr] },
    vm: { size: options.vmSize },
    qlik: {
      installer: { source: 'url', url: options.installerUrl },
      license: licenseMethod === 'serial' ? { method: 'serial', owner: options.licenseOwner, organization: options.licenseOrganization } : { method: 'signed-key' },
    },
  };
}

/** What the run may cost at most: the whole deployment for the time limit plus the cleanup that follows it. */
export function costEstimate(vmSize, timeLimitMinutes) {
  const perHour = VM_PRICE_PER_HOUR[vmSize] + Object.values(OTHER_PRICE_PER_HOUR).reduce((a, b) => a + b, 0);
  const hours = (timeLimitMinutes + CLEANUP_MINUTES) / 60;
  return { perHour, hours, atMost: perHour * hours };
}

export function describeCost(options) {
  const { perHour, hours, atMost } = costEstimate(options.vmSize, options.timeLimitMinutes);
  return [
    `Cost: about USD ${perHour.toFixed(2)} per hour (${options.vmSize} with Windows, a P10 OS disk, a static IP; East US list price, other regions up to ~30 % more),`,
    `      at most about USD ${atMost.toFixed(2)} for ${hours.toFixed(1)} h: the time limit plus ${CLEANUP_MINUTES} min of cleanup. A Qlik Sense license is not billed by Azure.`,
    `Time limit: ${options.timeLimitMinutes} min. When it is reached, or on Ctrl-C, the run stops and the deployment is destroyed.`,
  ].join('\n');
}
