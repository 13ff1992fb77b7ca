# The installer's argument line (install-qlik.ps1, Format-InstallerArgument) must come back as the same
# values when Windows splits it (CommandLineToArgvW and the MSVC runtime: quotes toggle, 2n backslashes
# before a quote are n backslashes, 2n+1 are n and a literal quote). .NET's Process uses the same rules to
# split ProcessStartInfo.Arguments on Linux, so printf shows each argument as the installer would get it.
BeforeAll {
    $templatePath = Join-Path $PSScriptRoot '../../templates/vm/install-qlik.ps1'
    $ast = [System.Management.Automation.Language.Parser]::ParseFile((Resolve-Path $templatePath), [ref]$null, [ref]$null)
    foreach ($name in 'Format-InstallerArgument', 'Get-InstallerArgumentLine') {
        $definition = $ast.Find({ param($node) $node -is [System.Management.Automation.Language.FunctionDefinitionAst] -and $node.Name -eq $name }, $true)
        . ([scriptblock]::Create($definition.Extent.Text))
    }

    # The arguments as a Windows program receives them from this command line.
    function script:Split-WindowsCommandLine {
        param([string]$Line)
        $start = New-Object System.Diagnostics.ProcessStartInfo -ArgumentList '/usr/bin/printf', ('"%s\n" ' + $Line)
        $start.RedirectStandardOutput = $true
        $start.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($start)
        $text = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        @($text -split "`n" | Select-Object -SkipLast 1)
    }
}

Describe 'Format-InstallerArgument' {
    It 'keeps <Value> whole and unchanged through Windows argument splitting' -TestCases @(
        @{ Value = 'Plain-Secret-1x' }
        @{ Value = 'with space' }
        @{ Value = 'quote"inside' }
        @{ Value = '"' }
        @{ Value = 'trailing\' }
        @{ Value = 'space and trailing\' }
        @{ Value = 'two trailing\\' }
        @{ Value = 'backslash\"quote' }
        @{ Value = 'a\\" b' }
        @{ Value = 'C:\Program Files\Qlik\Sense\' }
        @{ Value = "tab`there" }
    ) {
        $line = @(
            '-silent'
            Format-InstallerArgument -Name 'userpassword=' -Value $Value
            Format-InstallerArgument -Name 'dbpassword=' -Value $Value
            'hostname=QSVM01'
        ) -join ' '
        Split-WindowsCommandLine -Line $line | Should -Be @('-silent', "userpassword=$Value", "dbpassword=$Value", 'hostname=QSVM01')
    }

    It 'leaves a value without space, tab or quote as it is, as the installer documentation writes them' {
        Format-InstallerArgument -Name 'hostname=' -Value 'QSVM01' | Should -Be 'hostname=QSVM01'
        Format-InstallerArgument -Name 'userwithdomain=' -Value 'QSVM01\QlikService' | Should -Be 'userwithdomain=QSVM01\QlikService'
        Format-InstallerArgument -Name 'installdir=' -Value 'D:\Program Files\Qlik\Sense' | Should -Be 'installdir="D:\Program Files\Qlik\Sense"'
    }
}

Describe 'Get-InstallerArgumentLine' {
    BeforeAll {
        $script:ServiceAccountName = 'QlikService'
        $script:ServiceAccountPassword = 'Svc "quoted" secret\'
        $script:RepositoryDbPassword = 'Db\"x secret'
        $script:Hostname = 'QSVM01'
        $script:InstallDir = ''
    }

    It 'gives the installer the passwords as they are, and prints neither them nor their quoted form' {
        $line = Get-InstallerArgumentLine -LogPath 'C:\ProgramData\qlik-azure\install.log' -ConfigPath 'C:\spc.cfg'
        $arguments = Split-WindowsCommandLine -Line $line
        $arguments | Should -Contain "userpassword=$ServiceAccountPassword"
        $arguments | Should -Contain "dbpassword=$RepositoryDbPassword"
        $printed = Get-InstallerArgumentLine -LogPath 'C:\ProgramData\qlik-azure\install.log' -ConfigPath 'C:\spc.cfg' -Masked
        $printed | Should -Match 'userpassword=\*\*\* dbpassword=\*\*\* '
        $printed | Should -Not -Match 'quoted|secret'
    }
}
