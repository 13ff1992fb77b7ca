/**
 * Step 40 with qlik.releaseName unset: the VM says which release it has. A resume after the installer ran
 * but the services timed out must accept the release the installer put there, not refuse it as "another".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentConfigInput } from '../../src/config/schema.js';
import { sentInputs, startVmWorld, stepsUpTo, VM_CONFIG, type VmWorld } from './support.js';

const { releaseName: _unset, ...qlikWithoutRelease } = VM_CONFIG.qlik as Record<string, unknown>;
const WITHOUT_RELEASE: DeploymentConfigInput = { ...VM_CONFIG, qlik: qlikWithoutRelease } as DeploymentConfigInput;
/** What the installer in this test really is: not the release any default would guess. */
const INSTALLERS_RELEASE = 'Qlik Sense August 2023';

describe('step 40 resumed after the services timed out, qlik.releaseName unset', () => {
  let world: VmWorld;
  beforeAll(async () => {
    world = await startVmWorld(WITHOUT_RELEASE);
    expect((await world.run(stepsUpTo(39))).failed).toEqual([]);
  });
  afterAll(() => world?.close());

  it('records the release the VM reports and sends no guessed release', async () => {
    // The first attempt installs, then gives up waiting for the services (exit 24).
    world.vm.failNext('vm/install-qlik.ps1', 24, 'the Qlik Sense services were not ready within 25 minutes');
    const first = await world.run(stepsUpTo(40).filter((e) => e.number === 40));
    expect(first.failed).toEqual([{ step: 40, error: expect.objectContaining({ message: expect.stringContaining('exit code 24') }) }]);
    world.vm.machine('qlik-sim-vm').release = INSTALLERS_RELEASE;

    const resumed = await world.run(stepsUpTo(40).filter((e) => e.number === 40));
    expect(resumed.failed).toEqual([]);
    expect(world.entry(40)).toMatchObject({ status: 'done', change: 'unchanged', outputs: { release: INSTALLERS_RELEASE } });
    const sent = world.invocations.filter((run) => run.script.includes('install-qlik.ps1 —')).at(-1)!;
    const { plain, protected: secret } = sentInputs(sent);
    expect(Object.keys({ ...plain, ...secret })).not.toContain('ReleaseName');
    expect(Object.keys(plain)).toContain('ServiceAccountName');
  });
});
