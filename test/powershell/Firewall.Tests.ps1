BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ruleSettings = '[string]$Name, $Enabled, $Direction, $Action, $Protocol, $LocalPort, $Profile'
    $script:FirewallScript = Initialize-TemplateTest -Name 'vm/firewall.ps1' -Directory $TestDrive -WindowsCommand @{
        'Get-NetFirewallRule'        = '[string]$Name'
        'New-NetFirewallRule'        = "$ruleSettings, `$DisplayName, `$Group"
        'Set-NetFirewallRule'        = $ruleSettings
        'Remove-NetFirewallRule'     = '[string]$Name'
        'Get-NetFirewallPortFilter'  = '[Parameter(ValueFromPipeline)] $AssociatedNetFirewallRule'
    }

    function script:Add-FakeRule {
        param([string]$Name, [string]$LocalPort, [string]$Enabled = 'True', [string]$Action = 'Allow')
        $FakeRules[$Name] = [pscustomobject]@{ Name = $Name; Enabled = $Enabled; Direction = 'Inbound'; Action = $Action; Protocol = 'TCP'; LocalPort = $LocalPort }
    }
}

AfterAll { Reset-TemplateTest }

Describe 'firewall.ps1' {
    BeforeEach {
        $script:FakeRules = @{}
        Mock Get-NetFirewallRule { @($FakeRules.Values | Where-Object { $_.Name -like $Name }) }
        Mock New-NetFirewallRule { Add-FakeRule -Name $Name -LocalPort $LocalPort }
        Mock Set-NetFirewallRule { Add-FakeRule -Name $Name -LocalPort $LocalPort -Enabled $Enabled -Action $Action }
        Mock Remove-NetFirewallRule { $FakeRules.Remove($Name) }
        Mock Get-NetFirewallPortFilter { [pscustomobject]@{ Protocol = $AssociatedNetFirewallRule.Protocol; LocalPort = $AssociatedNetFirewallRule.LocalPort } }
    }

    It 'opens each port with an inbound allow rule on the first run' {
        $run = Invoke-Template -Path $FirewallScript -Parameters @{ Ports = '80, 443,4244,4248' }

        $run.ExitCode | Should -Be 0
        $run.Result.changed | Should -BeTrue
        $run.Result.ports | Should -Be @(80, 443, 4244, 4248)
        $run.Result.created | Should -Be @('qlik-azure Qlik Sense TCP 80', 'qlik-azure Qlik Sense TCP 443', 'qlik-azure Qlik Sense TCP 4244', 'qlik-azure Qlik Sense TCP 4248')
        Should -Invoke New-NetFirewallRule -Times 1 -Exactly -ParameterFilter {
            $Name -eq 'qlik-azure Qlik Sense TCP 443' -and $DisplayName -eq $Name -and $Direction -eq 'Inbound' -and
                $Action -eq 'Allow' -and $Protocol -eq 'TCP' -and $LocalPort -eq 443 -and $Profile -eq 'Any' -and $Group -eq 'qlik-azure'
        }
    }

    It 'changes nothing on the second run' {
        $null = Invoke-Template -Path $FirewallScript -Parameters @{ Ports = '443,4244' }
        $run = Invoke-Template -Path $FirewallScript -Parameters @{ Ports = '4244,443,443' }

        $run.ExitCode | Should -Be 0
        $run.Result.changed | Should -BeFalse
        $run.Result.ports | Should -Be @(443, 4244)
        Should -Invoke New-NetFirewallRule -Times 2 -Exactly
        Should -Invoke Set-NetFirewallRule -Times 0 -Exactly
        Should -Invoke Remove-NetFirewallRule -Times 0 -Exactly
    }

    It 're-enables a rule someone disabled or turned into a block rule' {
        Add-FakeRule -Name 'qlik-azure Qlik Sense TCP 443' -LocalPort '443' -Enabled 'False'
        Add-FakeRule -Name 'qlik-azure Qlik Sense TCP 4244' -LocalPort '4244' -Action 'Block'
        $run = Invoke-Template -Path $FirewallScript -Parameters @{ Ports = '443,4244' }

        $run.Result.updated | Should -Be @('qlik-azure Qlik Sense TCP 443', 'qlik-azure Qlik Sense TCP 4244')
        $FakeRules.Values.Enabled | Should -Be @('True', 'True')
        $FakeRules.Values.Action | Should -Be @('Allow', 'Allow')
    }

    It 'removes its own rule for a port no longer requested and leaves other rules alone' {
        Add-FakeRule -Name 'qlik-azure Qlik Sense TCP 80' -LocalPort '80'
        Add-FakeRule -Name 'Remote Desktop - User Mode (TCP-In)' -LocalPort '3389'
        $run = Invoke-Template -Path $FirewallScript -Parameters @{ Ports = '443' }

        $run.Result.removed | Should -Be @('qlik-azure Qlik Sense TCP 80')
        $run.Lines[-1] | Should -BeLike '*"ports":`[443`]*' -Because 'one port is still a JSON array'
        @($FakeRules.Keys | Sort-Object) | Should -Be @('qlik-azure Qlik Sense TCP 443', 'Remote Desktop - User Mode (TCP-In)')
    }

    It 'refuses Ports "<Ports>" with exit code 2 and changes nothing' -ForEach @(
        @{ Ports = ''; Message = 'qlik-azure: parameter -Ports is required' }
        @{ Ports = '443,http'; Message = "qlik-azure: parameter -Ports must be a whole number from 1 to 65535, got 'http'" }
        @{ Ports = '443,70000'; Message = "qlik-azure: parameter -Ports must be a whole number from 1 to 65535, got '70000'" }
        @{ Ports = '0'; Message = "qlik-azure: parameter -Ports must be a whole number from 1 to 65535, got '0'" }
        @{ Ports = '443,,4244'; Message = "qlik-azure: parameter -Ports must be a whole number from 1 to 65535, got ''" }
    ) {
        $run = Invoke-Template -Path $FirewallScript -Parameters @{ Ports = $Ports }

        $run.ExitCode | Should -Be 2
        $run.Stderr | Should -Be $Message
        Should -Invoke New-NetFirewallRule -Times 0 -Exactly
    }
}
