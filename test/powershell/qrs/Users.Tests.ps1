# Steps 43 (access.ps1) and 44 (root-admin.ps1) share one fake: both work on the Qlik administrator.
Describe 'the Qlik administrator (steps 43 and 44)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Use-FakeQrs.ps1') -Step 'qlik/access.ps1'
        $script:AccessScript = $StepScript
        $script:RootAdminScript = Export-Template -Name 'qlik/root-admin.ps1' -Directory $TestDrive
        $script:Admin = @{ QrsUrl = $Fake.url; AdminUserId = 'QSAdmin'; UserDirectory = 'QSVM01' }
        function script:Get-Repository { Get-FakeQrsEntity -Fake $Fake }
        function script:Get-AdminUser { (Get-Repository).user | Where-Object userId -EQ 'QSAdmin' }
    }
    AfterAll { Stop-FakeQrsSuite -Fake $Fake }
    BeforeEach { Set-FakeQrs -Fake $Fake -Change @{ reset = $true } }

    Describe 'access.ps1 (step 43)' {
        It 'creates the admin user, allocates professional access, and adds the access group and "user name like *" rule' {
            $run = Invoke-Template -Path $AccessScript -Parameters $Admin

            $run.ExitCode | Should -Be 0
            $run.Result.userCreated | Should -BeTrue
            $run.Result.accessType | Should -Be 'professional'
            $run.Result.accessAllocated | Should -BeTrue
            $run.Result.accessGroupCreated | Should -BeTrue
            $run.Result.ruleAction | Should -Be 'created'

            $writes = Select-QrsWrite @(Get-FakeQrsCall -Fake $Fake)
            $writes.path | Should -Be @('/qrs/user', '/qrs/license/professionalaccesstype', '/qrs/license/professionalaccessgroup', '/qrs/systemrule')
            $writes[0].body.userId | Should -Be 'QSAdmin'
            $writes[0].body.userDirectory | Should -Be 'QSVM01'
            $writes[1].body.user.id | Should -Be (Get-AdminUser).id
            $repository = Get-Repository
            $group = @($repository.'license/professionalaccessgroup')[0]
            $rule = @($repository.systemrule)[0]
            $rule.rule | Should -Be '((user.name like "*"))'
            $rule.category | Should -Be 'License'
            $rule.resourceFilter | Should -Be "License.ProfessionalAccessGroup_$($group.id)"
            $rule.actions | Should -Be 1
            $rule.disabled | Should -BeFalse
        }

        It 'writes nothing new on the second run' {
            $twice = Invoke-StepTwice -Fake $Fake -Run { Invoke-Template -Path $AccessScript -Parameters $Admin }
            $run = $twice.Second

            $run.ExitCode | Should -Be 0
            $run.Result.userCreated | Should -BeFalse
            $run.Result.accessAllocated | Should -BeFalse
            $run.Result.accessGroupCreated | Should -BeFalse
            $run.Result.ruleAction | Should -Be 'unchanged'
            Select-QrsWrite $twice.SecondCalls | Should -BeNullOrEmpty
            @((Get-Repository).systemrule).Count | Should -Be 1
        }

        It 'allocates user access (tokens) with the user access group for LicenseModel token' {
            $run = Invoke-Template -Path $AccessScript -Parameters ($Admin + @{ LicenseModel = 'token' })

            $run.Result.accessType | Should -Be 'user'
            $repository = Get-Repository
            @($repository.'license/useraccesstype').Count | Should -Be 1
            @($repository.'license/professionalaccesstype').Count | Should -Be 0
            @($repository.systemrule)[0].resourceFilter | Should -BeLike 'License.UserAccessGroup_*'
        }

        It 'repoints the existing rule to the token access group when the license model changes, keeping its id' {
            $null = Invoke-Template -Path $AccessScript -Parameters $Admin
            $rule = @((Get-Repository).systemrule)[0]
            $null = Invoke-Template -Path $AccessScript -Parameters ($Admin + @{ LicenseModel = 'token' })

            $after = @((Get-Repository).systemrule)
            $after.Count | Should -Be 1
            $after[0].id | Should -Be $rule.id
            $after[0].resourceFilter | Should -BeLike 'License.UserAccessGroup_*'
        }

        It 'skips the everyone rule when asked' {
            $run = Invoke-Template -Path $AccessScript -Parameters ($Admin + @{ EveryoneRule = 'false' })

            $run.Result.ruleAction | Should -Be 'skipped'
            (Get-Repository).systemrule | Should -BeNullOrEmpty
        }

        It 'rejects an unknown license model (exit 2)' {
            $run = Invoke-Template -Path $AccessScript -Parameters ($Admin + @{ LicenseModel = 'analyzer' })
            $run.ExitCode | Should -Be 2
            $run.Stderr | Should -Be "qlik-azure: parameter -LicenseModel must be professional or token, got 'analyzer'"
        }
    }

    Describe 'root-admin.ps1 (step 44)' {
        It 'creates the missing user and makes it RootAdmin, PUTting the whole user with its modifiedDate' {
            $run = Invoke-Template -Path $RootAdminScript -Parameters $Admin

            $run.ExitCode | Should -Be 0
            $run.Result.userCreated | Should -BeTrue
            $run.Result.rolesChanged | Should -BeTrue
            $run.Result.roles | Should -Be @('RootAdmin')
            (Get-AdminUser).roles | Should -Be @('RootAdmin')
            $put = (Select-QrsWrite @(Get-FakeQrsCall -Fake $Fake))[-1]
            $put.method | Should -Be 'PUT'
            $put.body.userDirectory | Should -Be 'QSVM01'
            $put.body.modifiedDate | Should -Not -BeNullOrEmpty
        }

        It 'uses the existing user after access.ps1 and writes nothing on a re-run' {
            $null = Invoke-Template -Path $AccessScript -Parameters $Admin
            $twice = Invoke-StepTwice -Fake $Fake -Run { Invoke-Template -Path $RootAdminScript -Parameters $Admin }

            $twice.First.Result.userCreated | Should -BeFalse
            $twice.Second.Result.rolesChanged | Should -BeFalse
            Select-QrsWrite $twice.SecondCalls | Should -BeNullOrEmpty
            @((Get-Repository).user | Where-Object userId -EQ 'QSAdmin').Count | Should -Be 1
        }

        It 'retries once when the user is edited between GET and PUT (409)' {
            $null = Invoke-Template -Path $AccessScript -Parameters $Admin
            Set-FakeQrs -Fake $Fake -Change @{ concurrentEditAfterGet = 'user' }
            $run = Invoke-Template -Path $RootAdminScript -Parameters $Admin

            $run.ExitCode | Should -Be 0
            @(Get-FakeQrsCall -Fake $Fake | Where-Object method -EQ 'PUT').status | Should -Be @(409, 200)
            (Get-AdminUser).roles | Should -Be @('RootAdmin')
        }

        It 'requires AdminUserId (exit 2)' {
            (Invoke-Template -Path $RootAdminScript -Parameters @{ QrsUrl = $Fake.url }).ExitCode | Should -Be 2
        }
    }
}
