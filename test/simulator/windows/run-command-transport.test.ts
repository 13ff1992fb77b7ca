import { describe, expect, it } from 'vitest';
import { windowsEnvironment } from '../../../src/simulator/windows/environment.js';
import { runThroughWindows, type ScriptDelivery } from '../../../src/simulator/windows/run-command-transport.js';

const SCRIPT = '[CmdletBinding()] param([string]$Name, [string]$Other)';

async function deliver(value: string, exitCode = 0) {
  const deliveries: ScriptDelivery[] = [];
  const outcome = await runThroughWindows(
    { script: SCRIPT, parameters: [{ name: 'Name', value }], protectedParameters: [], environment: windowsEnvironment('qlik-central') },
    async (delivery) => {
      deliveries.push(delivery);
      return { exitCode, output: 'out\n', error: '' };
    },
  );
  return { outcome, deliveries };
}

describe('Windows Run Command transport, layer by layer', () => {
  it('hands the script the command line after cmd.exe, its words after -File and what they bound', async () => {
    const { outcome, deliveries } = await deliver('a"b c"^^');
    expect(deliveries).toEqual([{
      commandLine: expect.stringMatching(/^powershell\.exe -ExecutionPolicy Unrestricted -File \S+script\.ps1 -Name a"b c"\^$/),
      argv: ['-Name', 'ab c^'],
      boundParameters: { Name: 'ab c^' },
    }]);
    expect(outcome).toEqual({ exitCode: 0, output: 'out\n', error: '' });
  });

  it('runs what && cuts off only after a success, what || cuts off only after a failure', async () => {
    expect((await deliver('a&&b', 0)).outcome).toMatchObject({ exitCode: 9009, error: expect.stringContaining("'b' is not recognized") });
    expect((await deliver('a&&b', 2)).outcome).toEqual({ exitCode: 2, output: 'out\n', error: '' });
    expect((await deliver('a||b', 0)).outcome).toEqual({ exitCode: 0, output: 'out\n', error: '' });
  });

  it('output piped away or written to a file never comes back', async () => {
    expect((await deliver('a|more')).outcome).toMatchObject({ output: '', error: expect.stringContaining("'more' is not recognized") });
    const redirected = await deliver('a>x.txt');
    expect(redirected.outcome).toEqual({ exitCode: 0, output: '', error: '' });
    expect(redirected.deliveries[0]?.boundParameters).toEqual({ Name: 'a' });
  });

  it('input from a file the machine does not have: the script never starts', async () => {
    const { outcome, deliveries } = await deliver('a<b');
    expect(deliveries).toHaveLength(0);
    expect(outcome).toEqual({ exitCode: 1, output: '', error: 'The system cannot find the file specified.\r\n' });
  });

  it('a value starting with - is taken as a parameter name', async () => {
    const { outcome, deliveries } = await deliver('-x1');
    expect(deliveries).toHaveLength(0);
    expect(outcome.error).toContain("Missing an argument for parameter 'Name'.");
  });

  it("LocalSystem's environment: the machine account as USERNAME; a runAsUser gets its own", () => {
    expect(windowsEnvironment('qlik-central')).toMatchObject({ COMPUTERNAME: 'QLIK-CENTRAL', USERNAME: 'QLIK-CENTRAL$', TEMP: 'C:\\Windows\\TEMP' });
    expect(windowsEnvironment('qlik-central', 'qlik-central\\qliksvc')).toMatchObject({ USERNAME: 'qliksvc', TEMP: 'C:\\Users\\qliksvc\\AppData\\Local\\Temp' });
  });
});
