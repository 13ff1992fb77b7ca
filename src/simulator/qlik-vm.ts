// A simulated Windows VM for Run Command: recognises which template the script's envelope
// (templates/lib/envelope.ps1) carries and decodes its two inputs as the envelope does, keeps what a
// real machine would keep between runs (local accounts, installed release, firewall rules, the QRS
// settings) and answers with the template's own protocol: ##qlik-azure[phase] lines, one
// ##qlik-azure[result] line, or stderr "qlik-azure: <message>" with the template's exit code.
// A second run with the same inputs reports no change, as the real templates do. Secrets are kept
// only as HMACs under a key that never leaves this process, so that a changed password is noticed without
// the fake holding it; a snapshot drops even those (withoutSecrets), so nothing guessable offline is saved.

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { loadTemplate } from '../qlik/templates.js';
import type { RunCommandExecutor, RunCommandInvocation, RunCommandOutcome } from './types.js';

export const VM_TEMPLATES = [
  'vm/readiness.ps1', 'vm/accounts.ps1', 'vm/install-qlik.ps1', 'vm/firewall.ps1',
  'qlik/wait-repository.ps1', 'qlik/license.ps1', 'qlik/access.ps1', 'qlik/root-admin.ps1', 'qlik/proxy.ps1',
  'qlik/certificate-import.ps1', 'qlik/certificate-proxy.ps1',
] as const;
export type VmTemplate = (typeof VM_TEMPLATES)[number];

export interface FakeMachine {
  computerName: string;
  os: { caption: string; version: string };
  /** Account name → HMAC of its password; null when it was set by another process (see withoutSecrets). */
  accounts: Map<string, string | null>;
  administrators: Set<string>;
  release?: string;
  /** Firewall rule name → port. */
  firewallRules: Map<string, number>;
  /** LocalMachine\My: thumbprint → the account that may read its private key. */
  certificates: Map<string, string>;
  qrs: {
    license?: { mode: string; digest: string | null };
    /** QRS user entities (userId) the scripts created; absent in machines saved before it was kept. */
    users?: Set<string>;
    allocatedAccess: Set<string>;
    everyoneRule: boolean;
    rootAdmins: Set<string>;
    allowHttp: boolean;
    hostWhiteList: string[];
    formLogin: boolean;
    sslThumbprint?: string;
  };
}

/** What a test can see of a run: never a secret value, only which names came protected. */
export interface RecordedRun {
  readonly template: VmTemplate | 'unknown';
  readonly vmName: string;
  /** Set only if a client sent Run Command's runAsUser (this product never does). */
  readonly runAsUser?: string;
  /** Who the template ran as: LocalSystem, or the account the envelope's scheduled task ran it as. */
  readonly runsAs: string;
  /** The decoded plain inputs the template received (the envelope's own QlikRunAs* inputs left out). */
  readonly parameters: Readonly<Record<string, string>>;
  /** Names of the decoded protected inputs the template received. */
  readonly protectedNames: readonly string[];
}

export interface SimulatedQlikVmOptions {
  /** The Windows computer name of a VM resource (default: its first 15 characters). */
  computerName?: (vmName: string) => string;
  os?: { caption: string; version: string };
  /** Machines as another process left them (see qlik-vm-snapshot.ts). */
  restoredMachines?: ReadonlyMap<string, FakeMachine>;
}

export interface SimulatedQlikVm {
  readonly executor: RunCommandExecutor;
  readonly runs: readonly RecordedRun[];
  machine(vmName: string): FakeMachine;
  /** Every machine a script has run on, by VM name (for a snapshot). */
  machines(): ReadonlyMap<string, FakeMachine>;
  /** The next run of `template` fails with this exit code and stderr message. */
  failNext(template: VmTemplate, exitCode: number, message: string): void;
  /** Runs of `template` stay running until the returned release() is called. */
  hold(template: VmTemplate): { started: Promise<void>; release(): void };
}

class ScriptFailure extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
}

type Parameters = Readonly<Record<string, string>>;
interface ScriptRun {
  readonly machine: FakeMachine;
  readonly params: Parameters;
  /** 'LocalSystem', or the local account the envelope ran the template as. */
  readonly runsAs: string;
  phase(text: string): void;
}
type Handler = (run: ScriptRun) => Record<string, unknown>;

/** Lives only in this process: what is derived from a secret with it cannot be checked against a guess elsewhere. */
const PROCESS_KEY = randomBytes(32);
const digest = (value: string) => createHmac('sha256', PROCESS_KEY).update(value).digest('hex');
/**
 * Whether `value` is the secret `known` stands for. null is a secret another process set: Windows would
 * still validate it (accounts.ps1's ValidateCredentials), the fake cannot, and takes it to be the same, as a
 * rehearsal's second run with the same secrets file finds it on a real machine.
 */
const sameSecret = (known: string | null | undefined, value: string): boolean => known === null || (known !== undefined && known === digest(value));
/** The templates' own rule (lib/common.ps1), kept apart from the wrapper's so that the fake checks it independently. */
const isSecretName = (name: string) => /(Password|Key|Url)$/.test(name);
const list = (value: string | undefined) => (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
const MINIMUM_OS = [10, 0, 14393];
/** The services the Qlik Sense installer sets up to log on as the service account. */
const QLIK_SERVICES = [
  'QlikSenseRepositoryDatabase', 'QlikSenseServiceDispatcher', 'QlikSenseRepositoryService',
  'QlikSenseProxyService', 'QlikSenseEngineService', 'QlikSenseSchedulerService', 'QlikSensePrintingService',
] as const;
/** The release the simulated installer installs when no ReleaseName names one. */
const FAKE_INSTALLER_RELEASE = 'Qlik Sense May 2025';
/** install-qlik.ps1 (Get-InstalledReleaseName) finds releases without their patch: 'Qlik Sense May 2025 Patch 2' is 'Qlik Sense May 2025'. */
const withoutPatch = (release: string) => release.replace(/ Patch \d+$/, '');
/** proxy.ps1's $HostNamePattern: a host name or IPv4 address with an optional port, or a bracketed IPv6 address. */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

function olderThan(version: string, minimum: number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < minimum.length; i++) {
    if ((parts[i] ?? 0) !== minimum[i]) return (parts[i] ?? 0) < minimum[i]!;
  }
  return false;
}

function required(params: Parameters, name: string): string {
  const value = params[name];
  if (!value) throw new ScriptFailure(2, `parameter -${name} is required`);
  return value;
}

/** As qrs.ps1's Resolve-QrsUser: the user entity is created by the first script that needs it; true when this one did. */
function resolveQrsUser(machine: FakeMachine, userId: string): boolean {
  const users = (machine.qrs.users ??= new Set());
  const created = !users.has(userId);
  users.add(userId);
  return created;
}

function requireRepository(machine: FakeMachine): void {
  if (!machine.release) throw new ScriptFailure(20, `the Qlik Sense Repository Service did not answer at https://${machine.computerName}:4242/qrs/about`);
}

const HANDLERS: Record<VmTemplate, Handler> = {
  'vm/readiness.ps1': ({ machine, phase }) => {
    phase('checking operating system');
    if (olderThan(machine.os.version, MINIMUM_OS)) {
      throw new ScriptFailure(10, `unsupported operating system '${machine.os.caption}' (${machine.os.version}): Qlik Sense needs Windows Server 2016 (10.0.14393) or later; choose a newer VM image`);
    }
    phase('checking disk and installed Qlik Sense');
    return {
      computerName: machine.computerName, osCaption: machine.os.caption, osVersion: machine.os.version, isServer: true,
      psVersion: '5.1.20348.2849', freeSpaceGB: 97.4,
      qlikReleases: machine.release ? [machine.release] : [],
    };
  },

  'vm/accounts.ps1': ({ machine, params, phase }) => {
    const wanted: { name: string; password: string; administrator: boolean }[] = [
      { name: required(params, 'ServiceAccountName'), password: required(params, 'ServiceAccountPassword'), administrator: true },
      { name: params.AdminAccountName ?? 'QSAdmin', password: required(params, 'AdminAccountPassword'), administrator: false },
    ];
    const count = Number(params.LocalUserCount ?? '2');
    for (let n = 1; n <= count; n++) wanted.push({ name: `${params.LocalUserPrefix ?? 'QlikUser'}${n}`, password: required(params, 'LocalUserPassword'), administrator: false });
    const outcomes = { created: [] as string[], updated: [] as string[], unchanged: [] as string[] };
    // As the script: the Qlik Sense services get the service account's new password, and are not restarted.
    const serviceAccount = wanted[0]!;
    const known = machine.accounts.get(serviceAccount.name);
    const passwordReset = known !== undefined && !sameSecret(known, serviceAccount.password);
    // In the order Windows enumerates Win32_Service: by name (found running the real script on the pwsh stand-in).
    const servicesUpdated = passwordReset && machine.release ? [...QLIK_SERVICES].sort() : [];
    for (const account of wanted) {
      const known = machine.accounts.get(account.name);
      let outcome: keyof typeof outcomes = known === undefined ? 'created' : sameSecret(known, account.password) ? 'unchanged' : 'updated';
      machine.accounts.set(account.name, digest(account.password));
      if (account.administrator && !machine.administrators.has(account.name)) {
        machine.administrators.add(account.name);
        if (outcome === 'unchanged') outcome = 'updated';
      }
      outcomes[outcome].push(account.name);
      phase(`account ${account.name}: ${outcome}`);
    }
    if (servicesUpdated.length > 0) phase(`logon password updated for ${servicesUpdated.join(', ')}; not restarted: restart the Qlik services or the VM to use the new password`);
    return { changed: outcomes.created.length + outcomes.updated.length > 0, ...outcomes, servicesUpdated, restartRequired: servicesUpdated.length > 0 };
  },

  'vm/install-qlik.ps1': ({ machine, params, runsAs, phase }) => {
    // As the script: an empty ReleaseName accepts whatever release is installed, and the result names
    // the release installed on the machine, not the one asked for.
    const wanted = params.ReleaseName ?? '';
    const hostname = params.Hostname ?? machine.computerName;
    if (!/^https?:\/\//.test(required(params, 'InstallerUrl'))) throw new ScriptFailure(2, '-InstallerUrl must be an http(s) URL');
    const sharePath = `\\\\${hostname}\\${(params.SharedFolderPath ?? 'C:\\QlikShare').split('\\').at(-1)}`;
    if (machine.release && (!wanted || machine.release === wanted)) {
      phase(`${machine.release} is installed; nothing to install`);
      return { changed: false, release: machine.release, hostname, sharePath, installerLog: null };
    }
    if (machine.release) throw new ScriptFailure(26, `'${machine.release}' is installed, not '${wanted}'; upgrading an existing Qlik Sense is not supported by this script`);
    // As LocalSystem the script starts the installer as the service account through Task Scheduler;
    // the product sends it as LocalSystem, which this fake insists on.
    if (runsAs !== 'LocalSystem') throw new ScriptFailure(1, `unexpected error: the fake VM runs install-qlik.ps1 only as LocalSystem, not as ${runsAs}`);
    const account = required(params, 'ServiceAccountName');
    if (!sameSecret(machine.accounts.get(account), required(params, 'ServiceAccountPassword'))) {
      throw new ScriptFailure(22, `Task Scheduler refused to run the installer as ${account}: the user name or password is incorrect`);
    }
    required(params, 'RepositoryDbPassword');
    phase(`downloading installer from ${params.InstallerUrl!.split('?')[0]}`);
    if (params.InstallerSha256) phase('installer SHA-256 verified');
    phase('running Qlik_Sense_setup.exe -s accepteula=1 ...');
    // The installer stands for one of the release asked for; what the script then finds has no "Patch N".
    machine.release = withoutPatch(wanted || FAKE_INSTALLER_RELEASE);
    phase('Qlik Sense services running, repository ready');
    return { changed: true, release: machine.release, hostname, sharePath, installerLog: 'C:\\ProgramData\\qlik-azure\\qlik-sense-install.log' };
  },

  'vm/firewall.ps1': ({ machine, params, phase }) => {
    const ports = [...new Set(list(required(params, 'Ports')).map(Number))].sort((a, b) => a - b);
    const name = (port: number) => `qlik-azure Qlik Sense TCP ${port}`;
    const created = ports.filter((port) => !machine.firewallRules.has(name(port))).map(name);
    const removed = [...machine.firewallRules.keys()].filter((rule) => !ports.some((port) => name(port) === rule));
    for (const rule of removed) machine.firewallRules.delete(rule);
    for (const port of ports) {
      phase(`firewall TCP ${port}: ${created.includes(name(port)) ? 'created' : 'unchanged'}`);
      machine.firewallRules.set(name(port), port);
    }
    return { changed: created.length + removed.length > 0, ports, created, updated: [], removed };
  },

  'qlik/wait-repository.ps1': ({ machine, phase }) => {
    requireRepository(machine);
    const qrsUrl = `https://${machine.computerName}:4242`;
    phase(`waiting for the repository at ${qrsUrl} (up to 900 s)`);
    phase('repository ready: Qlik Sense 14.254.6');
    return { repositoryReady: true, buildVersion: '14.254.6', waitedSeconds: 0, qrsUrl };
  },

  'qlik/license.ps1': ({ machine, params, phase }) => {
    requireRepository(machine);
    const mode = params.SignedLicenseKey ? 'signedKey' : 'serial';
    const material = mode === 'signedKey' ? params.SignedLicenseKey! : `${required(params, 'SerialKey')}/${required(params, 'ControlKey')}/${params.LefKey ?? ''}`;
    // What the fake QRS (qrs/store.ts) refuses, and the script reports as QRS's 400 (found running the real
    // script against it: the example's dummy key passed here and failed there).
    if (mode === 'signedKey' && !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(params.SignedLicenseKey!.trim())) {
      throw new ScriptFailure(21, 'QRS POST /qrs/license failed with HTTP 400: Invalid license key: ***');
    }
    if (mode === 'serial' && (!/^\d{16}$/.test(params.SerialKey!.trim()) || !/^\d{5}$/.test(params.ControlKey!.trim()))) {
      throw new ScriptFailure(21, 'QRS POST /qrs/license failed with HTTP 400: Invalid serial *** or control number ***');
    }
    const known = machine.qrs.license;
    if (known?.mode === 'signedKey' && mode === 'serial') throw new ScriptFailure(32, 'the site has a signed license key; a serial number cannot replace it');
    const action = !known ? 'created' : sameSecret(known.digest, material) ? 'unchanged' : 'updated';
    machine.qrs.license = { mode, digest: digest(material) };
    phase(`license ${action}`);
    return { mode, action, licenseId: '5f9d3c1e-0000-4000-8000-00000000000a', isExpired: false, isInvalid: false, isBlacklisted: false };
  },

  'qlik/access.ps1': ({ machine, params, phase }) => {
    requireRepository(machine);
    const userId = required(params, 'AdminUserId');
    const userCreated = resolveQrsUser(machine, userId);
    const accessAllocated = !machine.qrs.allocatedAccess.has(userId);
    machine.qrs.allocatedAccess.add(userId);
    const wantRule = (params.EveryoneRule ?? 'true') === 'true';
    const ruleAction = !wantRule ? 'skipped' : machine.qrs.everyoneRule ? 'unchanged' : 'created';
    const accessGroupCreated = ruleAction === 'created';
    if (wantRule) machine.qrs.everyoneRule = true;
    phase(`access for ${userId}: ${accessAllocated ? 'allocated' : 'already allocated'}`);
    return {
      userId, userDirectory: params.UserDirectory || machine.computerName, userCreated,
      accessType: params.LicenseModel === 'token' ? 'user' : 'professional', accessAllocated, accessGroupCreated, ruleAction,
    };
  },

  'qlik/root-admin.ps1': ({ machine, params, phase }) => {
    requireRepository(machine);
    const userId = required(params, 'AdminUserId');
    // The access step (43) usually created the user already (found running the real scripts against the fake QRS).
    const userCreated = resolveQrsUser(machine, userId);
    const rolesChanged = !machine.qrs.rootAdmins.has(userId);
    machine.qrs.rootAdmins.add(userId);
    const userDirectory = params.UserDirectory || machine.computerName;
    if (rolesChanged) phase(`${userDirectory}\\${userId} is now RootAdmin`);
    return { userId, userDirectory, userCreated, rolesChanged, roles: ['RootAdmin'] };
  },

  'qlik/proxy.ps1': ({ machine, params, phase }) => {
    // As the script: every requested name is checked before anything is read or changed.
    const requested = list(params.HostWhiteList);
    const bad = requested.find((name) => !HOST_NAME.test(name));
    if (bad !== undefined) throw new ScriptFailure(2, `parameter -HostWhiteList: '${bad}' is not a host name or IP address`);
    requireRepository(machine);
    const { qrs } = machine;
    phase('reading the central proxy');
    // Desired state, as the script: EnableHttp 'false' (the default) turns Allow HTTP off.
    const httpWanted = params.EnableHttp === 'true';
    const proxyChanged = qrs.allowHttp !== httpWanted;
    qrs.allowHttp = httpWanted;
    if (proxyChanged) phase(`Allow HTTP switched ${httpWanted ? 'on' : 'off'} (the proxy restarts)`);
    const merged = [...qrs.hostWhiteList];
    for (const name of requested) if (!merged.some((m) => m.toLowerCase() === name.toLowerCase())) merged.push(name);
    const formLogin = params.FormLogin === 'true' || qrs.formLogin;
    const virtualProxyChanged = merged.length !== qrs.hostWhiteList.length || formLogin !== qrs.formLogin;
    Object.assign(qrs, { hostWhiteList: merged, formLogin });
    return { allowHttp: qrs.allowHttp, proxyChanged, hostWhiteList: merged, formLogin, virtualProxyChanged };
  },

  'qlik/certificate-import.ps1': ({ machine, params, phase }) => {
    // As the script does: a bare account name is local to the machine.
    const serviceAccount = required(params, 'ServiceAccount');
    const account = serviceAccount.includes('\\') ? serviceAccount : `${machine.computerName}\\${serviceAccount}`;
    // The thumbprint of a real certificate is a SHA-1 of its DER, public; a hash of the PFX stands in for it
    // (stable across processes, like the real one; a PFX holds a private key, so it cannot be guessed from it).
    const thumbprint = createHash('sha256').update(required(params, 'PfxBase64Key')).digest('hex').slice(0, 40).toUpperCase();
    const imported = !machine.certificates.has(thumbprint);
    const privateKeyGranted = machine.certificates.get(thumbprint) !== account;
    machine.certificates.set(thumbprint, account);
    phase(imported ? `certificate ${thumbprint} imported into LocalMachine\\My` : `certificate ${thumbprint} already in LocalMachine\\My`);
    return { thumbprint, subject: 'CN=qlik.example.com', notAfter: '2027-11-27T00:00:00Z', imported, privateKeyGranted };
  },

  // QRS takes only the Qlik client certificate, which lives in the service account's store.
  'qlik/certificate-proxy.ps1': ({ machine, params, phase }) => {
    requireRepository(machine);
    const thumbprint = required(params, 'Thumbprint').toUpperCase();
    if (!/^[0-9A-F]{40}$/.test(thumbprint)) throw new ScriptFailure(2, `parameter -Thumbprint must be 40 hexadecimal digits, got '${params.Thumbprint}'`);
    const thumbprintChanged = machine.qrs.sslThumbprint !== thumbprint;
    machine.qrs.sslThumbprint = thumbprint;
    const httpTurnedOn = params.KeepHttp !== 'false' && !machine.qrs.allowHttp;
    if (httpTurnedOn) machine.qrs.allowHttp = true;
    const proxyChanged = thumbprintChanged || httpTurnedOn;
    if (proxyChanged) phase(`proxy now presents the certificate ${thumbprint} (the proxy restarts)`);
    return { thumbprint, proxyChanged, allowHttp: machine.qrs.allowHttp };
  },
};

function newMachine(computerName: string, os: { caption: string; version: string }): FakeMachine {
  return {
    computerName, os, accounts: new Map(), administrators: new Set(), firewallRules: new Map(), certificates: new Map(),
    qrs: { users: new Set(), allocatedAccess: new Set(), everyoneRule: false, rootAdmins: new Set(), allowHttp: false, hostWhiteList: [], formLogin: false },
  };
}

/** The machine as a snapshot may keep it: accounts and license without anything derived from their secrets. */
export function withoutSecrets(machine: FakeMachine): FakeMachine {
  const { license } = machine.qrs;
  return {
    ...machine,
    accounts: new Map([...machine.accounts.keys()].map((name) => [name, null])),
    qrs: { ...machine.qrs, ...(license ? { license: { mode: license.mode, digest: null } } : {}) },
  };
}

/** Which template a script is: the loader's expansion of each known template, compared whole. */
async function templatesByText(): Promise<Map<string, VmTemplate>> {
  const known = new Map<string, VmTemplate>();
  for (const name of VM_TEMPLATES) {
    try {
      known.set(await loadTemplate(name), name);
    } catch {
      // A template not written yet cannot be run either.
    }
  }
  return known;
}

/** The envelope's text before and after the line where the template goes. */
async function envelopeParts(): Promise<{ before: string; after: string }> {
  const envelope = await loadTemplate('lib/envelope.ps1');
  const [before, after, ...rest] = envelope.split(/^#@template$/m);
  if (after === undefined || rest.length > 0) throw new Error('lib/envelope.ps1 must have one #@template line');
  return { before: before!, after };
}

/** The template text inside an envelope; undefined for a script that is not one. */
function unwrap(script: string, envelope: { before: string; after: string }): string | undefined {
  if (!script.startsWith(envelope.before) || !script.endsWith(envelope.after)) return undefined;
  return `${script.slice(envelope.before.length, script.length - envelope.after.length).trimEnd()}\n`;
}

/** base64url UTF-8 JSON {name: string}, decoded as the envelope decodes it; a failure is its exit code 2. */
function decodeEnvelopeInput(name: string, encoded: string | undefined): Record<string, string> {
  if (encoded === undefined || encoded === '') return {};
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw new ScriptFailure(2, `-${name} is not base64url: it was changed on its way to the VM, or not written by qlik-azure`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ScriptFailure(2, `-${name} does not hold base64url UTF-8 JSON`);
  for (const [key, inner] of Object.entries(value)) if (typeof inner !== 'string') throw new ScriptFailure(2, `input '${key}' in -${name} is not a string`);
  return value as Record<string, string>;
}

/** As the envelope: protected inputs too large for the command line come as a blob, QlikInputsUrl links to it (exit code 5 when it cannot be read). */
function withStagedInputs(invocation: RunCommandInvocation, secret: Parameters): Parameters {
  const url = secret.QlikInputsUrl;
  if (url === undefined) return secret;
  const where = url.split('?')[0];
  const content = invocation.download?.(url);
  if (!content) throw new ScriptFailure(5, `could not read the staged inputs from ${where}: The remote server returned an error: (403) Forbidden.`);
  const staged = decodeEnvelopeInput('QlikInputsUrl', content.toString('base64url'));
  const { QlikInputsUrl: _link, ...rest } = secret;
  return { ...rest, ...staged };
}

/** The envelope's own inputs: running as a local account through a scheduled task. */
const RUN_AS_INPUTS = ['QlikRunAsAccount', 'QlikRunAsPassword', 'QlikRunAsTimeoutSeconds'];
const withoutRunAs = (inputs: Parameters): Parameters => Object.fromEntries(Object.entries(inputs).filter(([name]) => !RUN_AS_INPUTS.includes(name)));

/** As the envelope: Task Scheduler checks the account's password when the task is registered (exit code 3). */
function runAsIdentity(machine: FakeMachine, plain: Parameters, secret: Parameters): string {
  const account = plain.QlikRunAsAccount;
  if (!account) return 'LocalSystem';
  const user = account.split('\\').at(-1)!;
  if (!sameSecret(machine.accounts.get(user), secret.QlikRunAsPassword ?? '')) {
    throw new ScriptFailure(3, `Task Scheduler refused to run the script as ${machine.computerName}\\${user}: The user name or password is incorrect.; check that the account exists (step 38) and its password`);
  }
  return user;
}

/** The QRS scripts find Qlik's client certificate only in the service account's personal store (qlik/qrs.ps1). */
function requireQlikClientCertificate(template: VmTemplate, runsAs: string): void {
  if (template.startsWith('qlik/') && template !== 'qlik/certificate-import.ps1' && runsAs === 'LocalSystem') {
    throw new ScriptFailure(23, 'Qlik client certificate (QlikClient) not found in CurrentUser\\My or LocalMachine\\My: run this step as the Qlik service account, or check that Qlik Sense finished installing');
  }
}

export function createSimulatedQlikVm(options: SimulatedQlikVmOptions = {}): SimulatedQlikVm {
  const machines = new Map<string, FakeMachine>(options.restoredMachines);
  const failures = new Map<VmTemplate, { exitCode: number; message: string }>();
  const holds = new Map<VmTemplate, { started: () => void; released: Promise<void> }>();
  const runs: RecordedRun[] = [];
  let templates: Promise<Map<string, VmTemplate>> | undefined;
  let envelope: Promise<{ before: string; after: string }> | undefined;
  const machine = (vmName: string) => {
    let found = machines.get(vmName);
    if (!found) {
      found = newMachine(options.computerName?.(vmName) ?? vmName.slice(0, 15), options.os ?? { caption: 'Microsoft Windows Server 2022 Datacenter Azure Edition', version: '10.0.20348' });
      machines.set(vmName, found);
    }
    return found;
  };

  const executor: RunCommandExecutor = async (invocation): Promise<RunCommandOutcome> => {
    const inner = unwrap(invocation.script, await (envelope ??= envelopeParts()));
    const template = inner === undefined ? undefined : (await (templates ??= templatesByText())).get(inner);
    let plain: Parameters = {};
    let secret: Parameters = {};
    let decodeFailure: ScriptFailure | undefined;
    try {
      plain = decodeEnvelopeInput('QlikInputs', invocation.boundParameters.QlikInputs);
      secret = withStagedInputs(invocation, decodeEnvelopeInput('QlikProtectedInputs', invocation.boundParameters.QlikProtectedInputs));
    } catch (error) {
      decodeFailure = error as ScriptFailure;
    }
    runs.push({
      template: template ?? 'unknown',
      vmName: invocation.vmName,
      ...(invocation.runAsUser ? { runAsUser: invocation.runAsUser } : {}),
      runsAs: plain.QlikRunAsAccount ?? 'LocalSystem',
      parameters: withoutRunAs(plain),
      protectedNames: Object.keys(withoutRunAs(secret)),
    });
    if (!template) return { exitCode: 1, output: '', error: 'qlik-azure: the simulated VM does not know this script (not a known template inside lib/envelope.ps1)' };
    const hold = holds.get(template);
    if (hold) {
      hold.started();
      await hold.released;
    }
    const output: string[] = [];
    try {
      if (decodeFailure) throw decodeFailure;
      const exposed = Object.keys(plain).find(isSecretName);
      if (exposed) throw new ScriptFailure(2, `input '${exposed}' arrived in -QlikInputs; secrets must come in -QlikProtectedInputs`);
      const failure = failures.get(template);
      if (failure) {
        failures.delete(template);
        throw new ScriptFailure(failure.exitCode, failure.message);
      }
      const vm = machine(invocation.vmName);
      const runsAs = runAsIdentity(vm, plain, secret);
      requireQlikClientCertificate(template, runsAs);
      const params = { ...withoutRunAs(plain), ...withoutRunAs(secret) };
      if (runsAs !== 'LocalSystem') output.push(`##qlik-azure[phase] running as ${vm.computerName}\\${runsAs} (scheduled task)`);
      const result = HANDLERS[template]({ machine: vm, params, runsAs, phase: (text) => output.push(`##qlik-azure[phase] ${text}`) });
      output.push(`##qlik-azure[result] ${JSON.stringify(result)}`);
      return { exitCode: 0, output: `${output.join('\n')}\n`, error: '' };
    } catch (error) {
      const failure = error instanceof ScriptFailure ? error : new ScriptFailure(1, `unexpected error: ${(error as Error).message}`);
      return { exitCode: failure.exitCode, output: `${output.join('\n')}\n`, error: `qlik-azure: ${failure.message}\n` };
    }
  };

  return {
    executor,
    runs,
    machine,
    machines: () => machines,
    failNext: (template, exitCode, message) => void failures.set(template, { exitCode, message }),
    hold(template) {
      let started!: () => void;
      let release!: () => void;
      const startedPromise = new Promise<void>((resolve) => { started = resolve; });
      const released = new Promise<void>((resolve) => { release = resolve; });
      holds.set(template, { started, released });
      return { started: startedPromise, release: () => { holds.delete(template); release(); } };
    },
  };
}
