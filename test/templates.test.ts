import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeInputs, encodeInputs, envelopeScript } from '../src/azure/script-envelope.js';
import { loadTemplate, templateParameters, TemplateError } from '../src/qlik/templates.js';
import { VM_TEMPLATES } from '../src/simulator/qlik-vm.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

describe('loadTemplate', () => {
  it('inlines lib/common.ps1 where a VM script includes it, after the param block', async () => {
    const script = await loadTemplate('vm/accounts.ps1');
    const common = await readFile(join(packageRoot, 'templates/lib/common.ps1'), 'utf8');

    expect(script).not.toMatch(/^\s*#@include/m);
    expect(script).toContain(common.trimEnd());
    expect(script.indexOf('param(')).toBeLessThan(script.indexOf('function Exit-QlikFailure'));
    expect(script.endsWith('}\n')).toBe(true);
  });

  it.each(['vm/readiness.ps1', 'vm/accounts.ps1', 'vm/install-qlik.ps1', 'vm/firewall.ps1'])(
    '%s starts with CmdletBinding and a param block, after its header comment',
    async (name) => {
      const script = await loadTemplate(name);
      expect(script).toMatch(/^<#[\s\S]*?#>\s*\[CmdletBinding\(\)\]\s*param\(/);
    },
  );

  it('resolves templates/ relative to the module, as from dist/qlik/ in an installed package', async () => {
    const fakePackage = await mkdtemp(join(tmpdir(), 'qlik-azure-pkg-'));
    try {
      await mkdir(join(fakePackage, 'dist/qlik'), { recursive: true });
      await cp(join(packageRoot, 'src/qlik/templates.ts'), join(fakePackage, 'dist/qlik/templates.ts'));
      await cp(join(packageRoot, 'templates'), join(fakePackage, 'templates'), { recursive: true });
      const moved = (await import(pathToFileURL(join(fakePackage, 'dist/qlik/templates.ts')).href)) as typeof import('../src/qlik/templates.js');

      expect(await moved.loadTemplate('vm/firewall.ps1')).toBe(await loadTemplate('vm/firewall.ps1'));
    } finally {
      await rm(fakePackage, { recursive: true, force: true });
    }
  });

  it('ships templates/ in the npm package', async () => {
    const manifest = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { files: string[] };
    expect(manifest.files).toContain('templates/');
  });

  describe('refusals', () => {
    let root: URL;
    beforeAll(async () => {
      const dir = await mkdtemp(join(tmpdir(), 'qlik-azure-templates-'));
      root = pathToFileURL(`${dir}/`);
      const files: Record<string, string> = {
        'lib/a.ps1': '# a\n',
        'lib/nested.ps1': '#@include lib/a.ps1\n',
        'vm/ok.ps1': 'param()\r\n#@include lib/a.ps1\r\nWrite-Host done\r\n',
        'vm/missing.ps1': 'param()\n#@include lib/none.ps1\n',
        'vm/escape.ps1': 'param()\n#@include ../secrets.ps1\n',
        'vm/absolute.ps1': 'param()\n#@include /etc/passwd.ps1\n',
        'vm/recursive.ps1': 'param()\n#@include lib/nested.ps1\n',
        'vm/twice.ps1': 'param()\n#@include lib/a.ps1\n#@include lib/a.ps1\n',
      };
      for (const [name, text] of Object.entries(files)) {
        await mkdir(join(dir, name, '..'), { recursive: true });
        await writeFile(join(dir, name), text);
      }
    });
    afterAll(async () => rm(fileURLToPath(root), { recursive: true, force: true }));

    it('expands a well-formed template (CRLF normalised)', async () => {
      expect(await loadTemplate('vm/ok.ps1', root)).toBe('param()\n# a\nWrite-Host done\n');
    });

    it.each([
      ['vm/missing.ps1', "vm/missing.ps1 includes 'lib/none.ps1', which does not exist"],
      ['vm/escape.ps1', "vm/escape.ps1 includes '../secrets.ps1', which is not a .ps1 path under templates/"],
      ['vm/absolute.ps1', "vm/absolute.ps1 includes '/etc/passwd.ps1', which is not a .ps1 path under templates/"],
      ['vm/recursive.ps1', 'lib/nested.ps1 (included by vm/recursive.ps1) must not include other files'],
      ['vm/twice.ps1', "vm/twice.ps1 includes 'lib/a.ps1' twice"],
      ['vm/nothing-here.ps1', "template 'vm/nothing-here.ps1' does not exist"],
      ['../package.json', "template '../package.json' is not a .ps1 path under templates/"],
    ])('refuses %s', async (name, message) => {
      const failure = loadTemplate(name, root);
      await expect(failure).rejects.toThrow(TemplateError);
      await expect(failure).rejects.toThrow(message);
    });
  });
});

describe('templateParameters', () => {
  it.each([
    ['vm/readiness.ps1', []],
    ['vm/accounts.ps1', ['ServiceAccountName', 'ServiceAccountPassword', 'AdminAccountName', 'AdminAccountPassword', 'LocalUserPrefix', 'LocalUserCount', 'LocalUserPassword']],
    ['vm/install-qlik.ps1', ['InstallerUrl', 'InstallerSha256', 'ReleaseName', 'ServiceAccountName', 'ServiceAccountPassword', 'RepositoryDbPassword', 'Hostname', 'SharedFolderPath', 'InstallDir', 'TimeoutMinutes', 'WorkDirectory']],
    ['vm/firewall.ps1', ['Ports']],
  ])('lists what %s declares', async (name, expected) => {
    expect(templateParameters(await loadTemplate(name))).toEqual(expected);
  });

  it('skips attributes, types, defaults, strings and comments, and ignores functions\' param blocks', () => {
    const script = [
      '<# param($NotThis) #>',
      '# param($NorThis)',
      '[CmdletBinding()]',
      'PARAM (',
      "    [Parameter(Mandatory = $true)] [ValidateSet('a,b', \"c)\")] [string[]] $First = @('x', $y),",
      '    # $Commented,',
      '    [string]$Second = "$env:ProgramData\\q, r",',
      '    $Third = $env:COMPUTERNAME',
      ')',
      'function Inner { param($Ignored) }',
    ].join('\n');
    expect(templateParameters(script)).toEqual(['First', 'Second', 'Third']);
  });

  it('returns nothing for a script without a param block', () => {
    expect(templateParameters('Write-Host "param($x)"\nfunction F { param($y) }')).toEqual([]);
  });
});

describe('envelopeScript', () => {
  it.each(VM_TEMPLATES)('wraps %s whole, inside the script block the envelope dot-sources', async (name) => {
    const template = await loadTemplate(name);
    const script = await envelopeScript(template, name);
    expect(script).toContain(`$QlikEnvelopeTemplate = {\n${template.trimEnd()}\n}\n`);
    expect(script).not.toMatch(/^#@template$/m);
    // The envelope's own parameters, nothing else: the template's param block stays inside the script block.
    expect(templateParameters(script)).toEqual(['QlikInputs', 'QlikProtectedInputs', 'QlikRunFolder']);
  });

  it.each([
    ['#Requires -Version 5.1\nparam([string]$A)'],
    ['using namespace System.Text\nparam([string]$A)'],
  ])('refuses a template with a statement only a script file may hold: %s', async (text) => {
    await expect(envelopeScript(text, 'x.ps1')).rejects.toThrow(TemplateError);
  });

  it('encodes inputs with base64url characters only, and back', () => {
    const inputs = { Owner: 'BI Team & Co', Lef: 'a\r\nb ^ % é 漢 😀', Empty: '' };
    const encoded = encodeInputs(inputs);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeInputs(encoded)).toEqual(inputs);
    expect(encodeInputs({})).toBe('e30');
    expect(decodeInputs('e30+')).toBeUndefined();
    expect(decodeInputs(encodeInputs({ a: 'x' }).slice(0, -2))).toBeUndefined();
  });
});
