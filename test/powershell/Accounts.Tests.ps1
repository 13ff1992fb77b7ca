BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # LocalAccounts cmdlets exist only on Windows. Untyped parameters let the mocks see "not passed".
    $script:AccountsScript = Initialize-TemplateTest -Name 'vm/accounts.ps1' -Directory $TestDrive -WindowsCommand @{
        'Get-LocalUser'         = '[string]$Name'
        'New-LocalUser'         = '[string]$Name, [securestring]$Password, [switch]$PasswordNeverExpires, [switch]$UserMayNotChangePassword, [string]$Description'
        'Set-LocalUser'         = '[string]$Name, [securestring]$Password, $PasswordNeverExpires, $UserMayChangePassword'
        'Enable-LocalUser'      = '[string]$Name'
        'Get-LocalGroupMember'  = '[string]$SID'
        'Add-LocalGroupMember'  = '[string]$SID, [string]$Member'
        'Get-CimInstance'       = '[string]$ClassName, [string]$Filter'
        'Invoke-CimMethod'      = '$InputObject, [string]$MethodName, [hashtable]$Arguments'
    }

    $script:Secrets = @{
        ServiceAccountPassword = New-FakeSecret -Label 'svc'
        AdminAccountPassword   = New-FakeSecret -Label 'admin'
        LocalUserPassword      = New-FakeSecret -Label 'user'
    }
    $script:Parameters = @{ ServiceAccountName = 'QlikService' } + $Secrets

    function script:ConvertTo-PlainText { param([securestring]$Secure) [Net.NetworkCredential]::new('', $Secure).Password }

    # Puts an account in the fake machine, as another tool (or an earlier hand-made setup) left it.
    function script:Add-FakeUser {
        param([string]$Name, [string]$Password, [bool]$Enabled = $true, $PasswordExpires = $null, [bool]$UserMayChangePassword = $false)
        $FakeMachine.Users[$Name] = [pscustomobject]@{
            Name = $Name; Password = $Password; Enabled = $Enabled
            PasswordExpires = $PasswordExpires; UserMayChangePassword = $UserMayChangePassword
        }
    }
}

AfterAll { Reset-TemplateTest }

Describe 'accounts.ps1' {
    BeforeEach {
        # The fake machine: local users, the members of BUILTIN\Administrators and the Windows services
        # (Win32_Service: Name, StartName) with the password each logs on with.
        $script:FakeMachine = @{ Users = @{}; Administrators = [Collections.Generic.List[string]]::new(); Services = @(); ServicePasswords = @{}; ChangeReturnValue = 0 }
        Mock Get-CimInstance -ParameterFilter { $ClassName -eq 'Win32_Service' -and $Filter -eq "Name LIKE 'QlikSense%'" } -MockWith {
            $FakeMachine.Services | Where-Object { $_.Name -like 'QlikSense*' }
        }
        Mock Invoke-CimMethod {
            if ($FakeMachine.ChangeReturnValue -eq 0) { $FakeMachine.ServicePasswords[$InputObject.Name] = $Arguments.StartPassword }
            [pscustomobject]@{ ReturnValue = $FakeMachine.ChangeReturnValue }
        }
        Mock Get-LocalUser { $FakeMachine.Users[$Name] }
        Mock New-LocalUser {
            $neverExpires = [bool]$PasswordNeverExpires
            Add-FakeUser -Name $Name -Password (ConvertTo-PlainText $Password) -UserMayChangePassword (-not $UserMayNotChangePassword) `
                -PasswordExpires $(if ($neverExpires) { $null } else { [datetime]'2030-01-01' })
        }
        Mock Set-LocalUser {
            $user = $FakeMachine.Users[$Name]
            if ($null -ne $Password) { $user.Password = ConvertTo-PlainText $Password }
            if ($true -eq $PasswordNeverExpires) { $user.PasswordExpires = $null }
            if ($null -ne $UserMayChangePassword) { $user.UserMayChangePassword = $UserMayChangePassword }
        }
        Mock Enable-LocalUser { $FakeMachine.Users[$Name].Enabled = $true }
        Mock Test-QlikLocalCredential { $user = $FakeMachine.Users[$Name]; $user.Enabled -and $user.Password -eq $Password }
        Mock Get-LocalGroupMember -ParameterFilter { $SID -eq 'S-1-5-32-544' } -MockWith {
            $FakeMachine.Administrators | ForEach-Object { [pscustomobject]@{ Name = $_ } }
        }
        Mock Add-LocalGroupMember -ParameterFilter { $SID -eq 'S-1-5-32-544' } -MockWith { $FakeMachine.Administrators.Add("$env:COMPUTERNAME\$Member") }
    }

    It 'creates the service account, the Qlik administrator and N local users on the first run' {
        $run = Invoke-Template -Path $AccountsScript -Parameters ($Parameters + @{ LocalUserCount = '3' })

        $run.ExitCode | Should -Be 0
        $run.Result.changed | Should -BeTrue
        $run.Result.created | Should -Be @('QlikService', 'QSAdmin', 'QlikUser1', 'QlikUser2', 'QlikUser3')
        $run.Result.updated.Count + $run.Result.unchanged.Count | Should -Be 0
        $FakeMachine.Administrators | Should -Be @('QSVM01\QlikService')
        foreach ($user in $FakeMachine.Users.Values) {
            $user.PasswordExpires | Should -BeNullOrEmpty -Because "$($user.Name)'s password never expires"
            $user.UserMayChangePassword | Should -BeFalse -Because "$($user.Name) cannot change the password"
        }
        $FakeMachine.Users['QlikService'].Password | Should -Be $Secrets.ServiceAccountPassword
        $FakeMachine.Users['QSAdmin'].Password | Should -Be $Secrets.AdminAccountPassword
        $FakeMachine.Users['QlikUser3'].Password | Should -Be $Secrets.LocalUserPassword
    }

    It 'changes nothing on the second run' {
        $null = Invoke-Template -Path $AccountsScript -Parameters $Parameters
        $run = Invoke-Template -Path $AccountsScript -Parameters $Parameters

        $run.ExitCode | Should -Be 0
        $run.Result.changed | Should -BeFalse
        $run.Result.unchanged | Should -Be @('QlikService', 'QSAdmin', 'QlikUser1', 'QlikUser2')
        Should -Invoke New-LocalUser -Times 4 -Exactly
        Should -Invoke Set-LocalUser -Times 0 -Exactly
        Should -Invoke Enable-LocalUser -Times 0 -Exactly
        Should -Invoke Add-LocalGroupMember -Times 1 -Exactly
    }

    It 'resets the password and enforces the settings of accounts that already exist' {
        Add-FakeUser -Name 'QlikService' -Password 'an-old-password' -PasswordExpires ([datetime]'2030-01-01') -UserMayChangePassword $true
        Add-FakeUser -Name 'QSAdmin' -Password $Secrets.AdminAccountPassword -Enabled $false

        $run = Invoke-Template -Path $AccountsScript -Parameters ($Parameters + @{ LocalUserCount = '1' })

        $run.ExitCode | Should -Be 0
        $run.Result.updated | Should -Be @('QlikService', 'QSAdmin')
        $run.Result.created | Should -Be @('QlikUser1')
        $service = $FakeMachine.Users['QlikService']
        $service.Password | Should -Be $Secrets.ServiceAccountPassword
        $service.PasswordExpires | Should -BeNullOrEmpty
        $service.UserMayChangePassword | Should -BeFalse
        $FakeMachine.Users['QSAdmin'].Enabled | Should -BeTrue
        $FakeMachine.Administrators | Should -Be @('QSVM01\QlikService')
        (Invoke-Template -Path $AccountsScript -Parameters ($Parameters + @{ LocalUserCount = '1' })).Result.changed | Should -BeFalse
    }

    Context 'the service account password changes' {
        BeforeEach {
            Add-FakeUser -Name 'QlikService' -Password 'an-old-password'
            $FakeMachine.Administrators.Add('QSVM01\QlikService')
        }

        It 'updates no service before Qlik Sense is installed' {
            $run = Invoke-Template -Path $AccountsScript -Parameters $Parameters

            $run.ExitCode | Should -Be 0
            $run.Result.updated | Should -Be @('QlikService')
            $run.Result.servicesUpdated | Should -BeNullOrEmpty
            $run.Result.restartRequired | Should -BeFalse
            Should -Invoke Invoke-CimMethod -Times 0 -Exactly
        }

        It 'gives the Qlik Sense services that log on as the service account the new password, without restarting them' {
            $FakeMachine.Services = @(
                [pscustomobject]@{ Name = 'QlikSenseRepositoryService'; StartName = '.\QlikService' }
                [pscustomobject]@{ Name = 'QlikSenseProxyService'; StartName = 'QSVM01\qlikservice' }
                [pscustomobject]@{ Name = 'QlikSenseRepositoryDatabase'; StartName = 'NT AUTHORITY\NetworkService' }
                [pscustomobject]@{ Name = 'Spooler'; StartName = 'LocalSystem' }
            )
            $run = Invoke-Template -Path $AccountsScript -Parameters $Parameters

            $run.ExitCode | Should -Be 0
            $run.Result.servicesUpdated | Should -Be @('QlikSenseRepositoryService', 'QlikSenseProxyService')
            $run.Result.restartRequired | Should -BeTrue
            $FakeMachine.ServicePasswords['QlikSenseRepositoryService'] | Should -Be $Secrets.ServiceAccountPassword
            $FakeMachine.ServicePasswords['QlikSenseProxyService'] | Should -Be $Secrets.ServiceAccountPassword
            Should -Invoke Invoke-CimMethod -Times 2 -Exactly -ParameterFilter { $MethodName -eq 'Change' -and $Arguments.StartName -eq $InputObject.StartName }
            $run.Phases | Should -Contain 'logon password updated for QlikSenseRepositoryService, QlikSenseProxyService; not restarted: restart the Qlik services or the VM to use the new password'
            $run.AllText | Should -Not -BeLike "*$($Secrets.ServiceAccountPassword)*"
        }

        It 'updates no service when the password is already the one given' {
            $FakeMachine.Users['QlikService'].Password = $Secrets.ServiceAccountPassword
            $FakeMachine.Services = @([pscustomobject]@{ Name = 'QlikSenseRepositoryService'; StartName = '.\QlikService' })
            $run = Invoke-Template -Path $AccountsScript -Parameters $Parameters

            $run.Result.servicesUpdated | Should -BeNullOrEmpty
            $run.Result.restartRequired | Should -BeFalse
            Should -Invoke Invoke-CimMethod -Times 0 -Exactly
        }

        It 'ends with exit code 31 when Windows refuses the new logon password of a service' {
            $FakeMachine.Services = @([pscustomobject]@{ Name = 'QlikSenseRepositoryService'; StartName = '.\QlikService' })
            $FakeMachine.ChangeReturnValue = 22
            $run = Invoke-Template -Path $AccountsScript -Parameters $Parameters

            $run.ExitCode | Should -Be 31
            $run.Stderr | Should -Be "qlik-azure: could not give service 'QlikSenseRepositoryService' the new password of .\QlikService: Win32_Service.Change returned 22"
        }
    }

    It 'puts an existing service account back into Administrators' {
        Add-FakeUser -Name 'QlikService' -Password $Secrets.ServiceAccountPassword
        $run = Invoke-Template -Path $AccountsScript -Parameters ($Parameters + @{ LocalUserCount = '0' })

        $run.Result.updated | Should -Be @('QlikService')
        $FakeMachine.Administrators | Should -Be @('QSVM01\QlikService')
    }

    It 'creates no local users when LocalUserCount is 0, and then needs no LocalUserPassword' {
        $parameters = @{ ServiceAccountName = 'QlikService'; ServiceAccountPassword = $Secrets.ServiceAccountPassword; AdminAccountName = 'QlikAdmin'; AdminAccountPassword = $Secrets.AdminAccountPassword; LocalUserCount = '0' }
        $run = Invoke-Template -Path $AccountsScript -Parameters $parameters

        $run.ExitCode | Should -Be 0
        $run.Result.created | Should -Be @('QlikService', 'QlikAdmin')
    }

    It 'refuses <Case> with exit code 2 before touching any account' -ForEach @(
        @{ Case = 'a missing service account password'; Change = @{ ServiceAccountPassword = '' }; Message = 'qlik-azure: parameter -ServiceAccountPassword is required' }
        @{ Case = 'a missing local user password'; Change = @{ LocalUserPassword = '' }; Message = 'qlik-azure: parameter -LocalUserPassword is required' }
        @{ Case = 'a user count that is not a number'; Change = @{ LocalUserCount = 'two' }; Message = "qlik-azure: parameter -LocalUserCount must be a whole number from 0 to 100, got 'two'" }
        @{ Case = 'too many users'; Change = @{ LocalUserCount = '101' }; Message = "qlik-azure: parameter -LocalUserCount must be a whole number from 0 to 100, got '101'" }
        @{ Case = 'a name Windows rejects'; Change = @{ ServiceAccountName = 'qlik\service' }; Message = "qlik-azure: -ServiceAccountName gives 'qlik\service', which is not a valid Windows user name*" }
        @{ Case = 'a prefix too long for the user numbers'; Change = @{ LocalUserPrefix = 'QlikSenseAnalyticsUser' }; Message = "qlik-azure: -LocalUserPrefix gives 'QlikSenseAnalyticsUser1', which is not a valid Windows user name*" }
        @{ Case = 'the same name twice'; Change = @{ AdminAccountName = 'QlikService' }; Message = "qlik-azure: account name 'QlikService' is requested twice*" }
    ) {
        $run = Invoke-Template -Path $AccountsScript -Parameters (Join-TemplateParameter $Parameters $Change)

        $run.ExitCode | Should -Be 2
        $run.Stderr | Should -BeLike $Message
        $run.ResultLines | Should -BeNullOrEmpty
        Should -Invoke New-LocalUser -Times 0 -Exactly
    }

    It 'ends with exit code 30 when Windows rejects the password, without echoing it' {
        Mock New-LocalUser { throw "The password does not meet the password policy requirements ('$(ConvertTo-PlainText $Password)')." }
        $run = Invoke-Template -Path $AccountsScript -Parameters $Parameters

        $run.ExitCode | Should -Be 30
        $run.Stderr | Should -Be "qlik-azure: could not create or update local account 'QlikService': The password does not meet the password policy requirements ('***')."
    }

    It 'never prints a password' {
        Add-FakeUser -Name 'QSAdmin' -Password 'an-old-password'
        $runs = @(
            Invoke-Template -Path $AccountsScript -Parameters $Parameters
            Invoke-Template -Path $AccountsScript -Parameters $Parameters
        )
        foreach ($run in $runs) {
            foreach ($secret in $Secrets.Values) { $run.AllText | Should -Not -BeLike "*$secret*" }
        }
    }
}
