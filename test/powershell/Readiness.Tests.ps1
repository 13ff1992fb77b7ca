BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ReadinessScript = Initialize-TemplateTest -Name 'vm/readiness.ps1' -Directory $TestDrive -WindowsCommand @{
        'Get-CimInstance' = '[string]$ClassName, [string]$Filter'
    }
    function script:Set-FakeOperatingSystem {
        param([string]$Caption, [string]$Version, [int]$ProductType = 3)
        Mock Get-CimInstance -ParameterFilter { $ClassName -eq 'Win32_OperatingSystem' } -MockWith {
            [pscustomobject]@{ Caption = $Caption; Version = $Version; ProductType = $ProductType }
        }.GetNewClosure()
    }
}

AfterAll { Reset-TemplateTest }

Describe 'readiness.ps1' {
    BeforeEach {
        Set-FakeOperatingSystem -Caption 'Microsoft Windows Server 2022 Datacenter Azure Edition' -Version '10.0.20348'
        Mock Get-CimInstance -ParameterFilter { $ClassName -eq 'Win32_LogicalDisk' } -MockWith {
            [pscustomobject]@{ DeviceID = 'C:'; FreeSpace = 107374182400 }
        }
        # Uninstall entries in the registry: none unless a test says otherwise.
        Mock Get-ItemProperty -ParameterFilter { "$Path" -like 'HKLM:*Uninstall*' } -MockWith { }
    }

    It 'reports OS, PowerShell, machine name and free space, and nothing about Secondary Logon (no step uses runAsUser)' {
        $run = Invoke-Template -Path $ReadinessScript

        $run.ExitCode | Should -Be 0
        $run.Lines[-1] | Should -BeLike '##qlik-azure`[result`] {*}'
        $run.Result.computerName | Should -Be 'QSVM01'
        $run.Result.osCaption | Should -Be 'Microsoft Windows Server 2022 Datacenter Azure Edition'
        $run.Result.osVersion | Should -Be '10.0.20348'
        $run.Result.isServer | Should -BeTrue
        $run.Result.psVersion | Should -Be $PSVersionTable.PSVersion.ToString()
        $run.Result.freeSpaceGB | Should -Be 100
        @($run.Result.PSObject.Properties.Name | Where-Object { $_ -like 'seclogon*' }) | Should -HaveCount 0
        @($run.Result.qlikReleases).Count | Should -Be 0
        Should -Invoke Get-CimInstance -ParameterFilter { $Filter -eq "DeviceID='C:'" } -Times 1 -Exactly
    }

    It 'lists the Qlik Sense releases and patches installed, from both registry views' {
        Mock Get-ItemProperty -ParameterFilter { "$Path" -like 'HKLM:*Uninstall*' } -MockWith {
            [pscustomobject]@{ DisplayName = 'Qlik Sense May 2025 Patch 2' }
            [pscustomobject]@{ DisplayName = 'Qlik Sense May 2025' }
            [pscustomobject]@{ DisplayName = 'Qlik Sense May 2025' }
            [pscustomobject]@{ DisplayName = 'Qlik Sense Dashboard bundle' }
            [pscustomobject]@{ DisplayName = 'Microsoft Edge' }
            [pscustomobject]@{ SystemComponent = 1 }
        }
        (Invoke-Template -Path $ReadinessScript).Result.qlikReleases | Should -Be @('Qlik Sense May 2025', 'Qlik Sense May 2025 Patch 2')
    }

    It 'refuses Windows Server 2012 R2 with exit code 10 and a clear message' {
        Set-FakeOperatingSystem -Caption 'Microsoft Windows Server 2012 R2 Datacenter' -Version '6.3.9600'
        $run = Invoke-Template -Path $ReadinessScript

        $run.ExitCode | Should -Be 10
        $run.Stderr | Should -BeLike "qlik-azure: unsupported operating system 'Microsoft Windows Server 2012 R2 Datacenter' (6.3.9600)*Windows Server 2016*"
        $run.ResultLines | Should -BeNullOrEmpty
    }

    It 'accepts Windows Server 2016 exactly' {
        Set-FakeOperatingSystem -Caption 'Microsoft Windows Server 2016 Datacenter' -Version '10.0.14393'
        (Invoke-Template -Path $ReadinessScript).ExitCode | Should -Be 0
    }

    It 'turns an unexpected failure into exit code 1 with a qlik-azure message' {
        Mock Get-CimInstance -ParameterFilter { $ClassName -eq 'Win32_LogicalDisk' } -MockWith { throw 'WMI repository is corrupt' }
        $run = Invoke-Template -Path $ReadinessScript

        $run.ExitCode | Should -Be 1
        $run.Stderr | Should -Be 'qlik-azure: unexpected error: WMI repository is corrupt'
    }
}
