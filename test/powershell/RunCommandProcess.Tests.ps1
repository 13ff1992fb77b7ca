# The other suites run templates in-process so that Pester mocks apply. This one runs expanded templates
# the way Run Command does, as their own PowerShell process with named string arguments, and checks
# what Azure records: the exit code, stdout (ending with the result line) and stderr (the qlik-azure line).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # The pwsh running these tests (a dotnet global tool is not the process path, so ask PATH, then $PSHOME).
    $script:Pwsh = @((Get-Command -Name pwsh -CommandType Application -ErrorAction SilentlyContinue).Source) + @(Join-Path $PSHOME 'pwsh') |
        Where-Object { $_ -and (Test-Path -LiteralPath $_) } | Select-Object -First 1
    $script:FirewallScript = Export-Template -Name 'vm/firewall.ps1' -Directory $TestDrive

    function script:Invoke-PowerShellProcess {
        param([string[]]$Arguments)
        $stdoutPath = Join-Path $TestDrive 'stdout.txt'
        $stderrPath = Join-Path $TestDrive 'stderr.txt'
        $process = Start-Process -FilePath $Pwsh -ArgumentList (@('-NoProfile', '-NonInteractive') + $Arguments) -Wait -PassThru `
            -RedirectStandardOutput $stdoutPath -RedirectStandardError $stderrPath
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Stdout   = @(Get-Content -LiteralPath $stdoutPath)
            Stderr   = (Get-Content -Raw -LiteralPath $stderrPath) + ''
        }
    }
}

Describe 'templates as their own process, as Run Command starts them' {
    It 'fails with the documented exit code and one clean stderr line' {
        $run = Invoke-PowerShellProcess -Arguments @('-File', $FirewallScript, '-Ports', '443,70000')

        $run.ExitCode | Should -Be 2
        $run.Stderr.Trim() | Should -Be "qlik-azure: parameter -Ports must be a whole number from 1 to 65535, got '70000'"
        $run.Stdout | Should -BeNullOrEmpty
    }

    It 'succeeds with exit code 0 and the result JSON as the last stdout line' {
        # The NetSecurity cmdlets do not exist here: minimal stand-ins defined before the script runs.
        $stubs = 'function global:Get-NetFirewallRule { param($Name) }; function global:New-NetFirewallRule { }; function global:Remove-NetFirewallRule { }'
        $command = "$stubs; & '$FirewallScript' -Ports '443,4244'; exit `$LASTEXITCODE"
        $run = Invoke-PowerShellProcess -Arguments @('-Command', $command)

        $run.ExitCode | Should -Be 0
        $run.Stderr | Should -BeNullOrEmpty
        $run.Stdout[0] | Should -Be '##qlik-azure[phase] firewall TCP 443: created'
        $run.Stdout[-1] | Should -BeLike '##qlik-azure`[result`] *'
        ($run.Stdout[-1].Substring(21) | ConvertFrom-Json).ports | Should -Be @(443, 4244)
    }
}
