# The suites run what Expand-Template produces; Azure runs what src/qlik/templates.ts produces. This
# proves the two expansions are the same text for every template (needs the TypeScript build in dist/).
BeforeDiscovery {
    $templatesRoot = Join-Path $PSScriptRoot '../../templates'
    # Scripts, not the files they include: an included file has no param block of its own.
    $script:Scripts = @(Get-ChildItem -Path $templatesRoot -Filter '*.ps1' -Recurse |
            Where-Object { (Get-Content -Raw -LiteralPath $_.FullName) -match '(?m)^\s*#@include\s' } |
            ForEach-Object { @{ Name = [IO.Path]::GetRelativePath($templatesRoot, $_.FullName).Replace('\', '/') } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $loader = Join-Path $PSScriptRoot '../../dist/qlik/templates.js'
    if (-not (Test-Path -LiteralPath $loader)) { throw "$loader is missing: build first with 'npx tsc -p tsconfig.json'" }
    # One node process expands every template and answers with a JSON map name -> text.
    $names = ConvertTo-Json -InputObject @($Scripts | ForEach-Object { $_.Name }) -Compress
    $program = "const { loadTemplate } = await import(process.argv[1]); const names = JSON.parse(process.argv[2]); " +
        "const out = {}; for (const n of names) out[n] = await loadTemplate(n); process.stdout.write(JSON.stringify(out));"
    $json = & node --input-type=module -e $program ([Uri]::new((Resolve-Path $loader).Path).AbsoluteUri) $names
    if ($LASTEXITCODE -ne 0) { throw "node could not expand the templates (exit $LASTEXITCODE)" }
    $script:LoadedByTypeScript = $json | ConvertFrom-Json
}

Describe 'template expansion in Pester and in the CLI' {
    It '<Name> expands to the same text' -ForEach $Scripts {
        Expand-Template -Name $Name | Should -BeExactly $LoadedByTypeScript.$Name
    }
}
