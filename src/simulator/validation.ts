// Validation rules ARM applies at PUT time, with the error codes and messages the
// real services return (shared/notes/azure-sdk-and-arm.md §4).

import { ArmError, asObject, asString, invalidParameter } from './arm.js';

const WINDOWS_COMPUTER_NAME_FORBIDDEN = /[`~!@#$%^&*()=+_[\]{}\\|;:.'",<>/?\s]/;

export function validateWindowsComputerName(computerName: string): void {
  const invalid =
    computerName.length === 0 ||
    computerName.length > 15 ||
    /^\d+$/.test(computerName) ||
    WINDOWS_COMPUTER_NAME_FORBIDDEN.test(computerName.replace(/-/g, '')) ||
    computerName.endsWith('-');
  if (invalid) {
    throw invalidParameter(
      "Windows computer name cannot be more than 15 characters long, be entirely numeric, or contain the following characters: ` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : . ' \" , < > / ?.",
      'computerName',
    );
  }
}

/** Names Azure refuses as the Windows administrator (compute models.d.ts adminUsername doc). */
export const RESERVED_ADMIN_USERNAMES = new Set([
  'administrator', 'admin', 'user', 'user1', 'test', 'user2', 'test1', 'user3', 'admin1', '1', '123', 'a',
  'actuser', 'adm', 'admin2', 'aspnet', 'backup', 'console', 'david', 'guest', 'john', 'owner', 'root',
  'server', 'sql', 'support', 'support_388945a0', 'sys', 'test2', 'test3', 'user4', 'user5',
]);

export function validateWindowsAdminUsername(adminUsername: string): void {
  if (adminUsername.length === 0 || adminUsername.length > 20 || adminUsername.endsWith('.') || /[\\/"[\]:|<>+=;,?*@]/.test(adminUsername)) {
    throw invalidParameter(
      'Windows admin user name cannot be more than 20 characters long, end with a period(.), or contain the following characters: \\ / " [ ] : | < > + = ; , ? * @.',
      'adminUsername',
    );
  }
  if (RESERVED_ADMIN_USERNAMES.has(adminUsername.toLowerCase())) {
    throw invalidParameter('The Admin Username specified is not allowed.', 'adminUsername');
  }
}

/** Passwords Azure rejects outright however complex they look. */
export const DISALLOWED_PASSWORDS = new Set([
  'abc@123', 'P@$$w0rd', 'P@ssw0rd', 'P@ssword123', 'Pa$$word', 'pass@word1', 'Password!', 'Password1', 'Password22', 'iloveyou!',
]);

const PASSWORD_RULE_MESSAGE =
  'The supplied password must be between 8-123 characters long and must satisfy at least 3 of password complexity requirements from the following:\r\n1) Contains an uppercase character\r\n2) Contains a lowercase character\r\n3) Contains a numeric digit\r\n4) Contains a special character\r\n5) Control characters are not allowed';

export function validateWindowsAdminPassword(password: string): void {
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[\W_]/].filter((re) => re.test(password)).length;
  // eslint-disable-next-line no-control-regex
  if (password.length < 8 || password.length > 123 || classes < 3 || /[\x00-\x1f\x7f]/.test(password)) {
    throw invalidParameter(PASSWORD_RULE_MESSAGE, 'adminPassword');
  }
  if (DISALLOWED_PASSWORDS.has(password)) {
    throw invalidParameter('The supplied password is a commonly used password and is not allowed. Choose a different password.', 'adminPassword');
  }
}

/** Storage account names: 3-24 lowercase letters and digits, globally unique. */
export function storageAccountNameProblem(name: string): string | undefined {
  return /^[a-z0-9]{3,24}$/.test(name)
    ? undefined
    : `${name} is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only.`;
}

const PORT_SPEC = /^(\*|\d{1,5}(-\d{1,5})?)$/;

function validatePortRange(ruleName: string, value: string): void {
  const ok =
    PORT_SPEC.test(value) &&
    (value === '*' || value.split('-').every((p) => Number(p) >= 0 && Number(p) <= 65535));
  if (!ok) {
    throw new ArmError(
      400,
      'SecurityRuleInvalidPortRange',
      `Security rule ${ruleName} has invalid Port range. Value provided: ${value}. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.`,
    );
  }
}

function requireOneOf(ruleName: string, parameter: string, value: unknown, allowed: string[]): void {
  if (typeof value !== 'string' || !allowed.some((a) => a.toLowerCase() === value.toLowerCase())) {
    throw new ArmError(
      400,
      'SecurityRuleParameterContainsUnsupportedValue',
      `Security rule parameter ${parameter} for rule with Id ${ruleName} cannot specify value ${String(value)}. Allowed values are ${allowed.join(', ')}.`,
    );
  }
}

/** NSG securityRules: priority 100-4096 unique per direction; ports, access, direction, protocol valid. */
export function validateSecurityRules(rules: Record<string, unknown>[]): void {
  const seen = new Map<string, string>();
  for (const rule of rules) {
    const name = asString(rule.name) ?? '(unnamed)';
    const props = asObject(rule.properties);
    const priority = props.priority;
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 100 || priority > 4096) {
      throw new ArmError(
        400,
        'SecurityRuleInvalidPriority',
        `Security rule ${name} has invalid Priority. Value provided: ${String(priority)}. Allowed range 100-4096.`,
      );
    }
    requireOneOf(name, 'Access', props.access, ['Allow', 'Deny']);
    requireOneOf(name, 'Direction', props.direction, ['Inbound', 'Outbound']);
    requireOneOf(name, 'Protocol', props.protocol, ['Tcp', 'Udp', 'Icmp', 'Esp', 'Ah', '*']);
    const ports = [
      ...[props.destinationPortRange, props.sourcePortRange].filter((p): p is string => typeof p === 'string'),
      ...[props.destinationPortRanges, props.sourcePortRanges].flatMap((list) => (Array.isArray(list) ? list.map(String) : [])),
    ];
    if (ports.length === 0) {
      throw invalidParameter(`Security rule ${name} must specify a destination port range.`, 'destinationPortRange');
    }
    ports.forEach((p) => validatePortRange(name, p));
    const key = `${String(props.direction).toLowerCase()}:${priority}`;
    const other = seen.get(key);
    if (other !== undefined) {
      throw new ArmError(
        400,
        'SecurityRuleConflict',
        `Security rule ${name} conflicts with rule ${other}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`,
      );
    }
    seen.set(key, name);
  }
}

/** ARM refuses a PUT whose body location is missing or unknown. */
export function requireLocation(body: Record<string, unknown>, known: Record<string, string>, resourceType: string): string {
  const location = asString(body.location)?.toLowerCase().replace(/\s+/g, '');
  if (!location) throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
  if (!(location in known)) {
    throw new ArmError(
      400,
      'LocationNotAvailableForResourceType',
      `The provided location '${location}' is not available for resource type '${resourceType}'. List of available regions for the resource type is '${Object.keys(known).join(',')}'.`,
    );
  }
  return location;
}
