Describe 'license.ps1 (step 42)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Use-FakeQrs.ps1') -Step 'qlik/license.ps1'
        # Shaped like the real thing (JWT-like key, 16-digit serial, 5-digit control), random each run.
        $script:SignedKey = 'eyJ' + [guid]::NewGuid().ToString('N') + '.eyJ' + [guid]::NewGuid().ToString('N') + '.' + [guid]::NewGuid().ToString('N')
        $script:Serial = '9999' + (Get-Random -Minimum 10000000 -Maximum 99999999) + '0000'
        $script:Control = [string](Get-Random -Minimum 10000 -Maximum 99999)
        $script:Lef = "Fake LEF line 1;$(New-FakeSecret -Label 'lef')`nFake LEF line 2"
        $script:SerialParameters = @{
            QrsUrl = $Fake.url; SerialKey = $Serial; ControlKey = $Control; LefKey = $Lef
            LicenseOwner = 'Contoso Analytics'; LicenseOrganization = 'Contoso'
        }
        $script:KeyParameters = @{ QrsUrl = $Fake.url; SignedLicenseKey = $SignedKey; LicenseOwner = 'Contoso Analytics'; LicenseOrganization = 'Contoso' }
        function script:Get-License { @((Get-FakeQrsEntity -Fake $Fake).license) }
        function script:Assert-NoSecret {
            param($Run)
            foreach ($secret in $SignedKey, $Serial, $Control, $Lef) { $Run.AllText | Should -Not -BeLike "*$secret*" }
        }
    }
    AfterAll { Stop-FakeQrsSuite -Fake $Fake }
    BeforeEach { Set-FakeQrs -Fake $Fake -Change @{ reset = $true } }

    It 'licenses with serial + control + LEF: control as query parameter, the rest in the body' {
        $run = Invoke-Template -Path $StepScript -Parameters $SerialParameters

        $run.ExitCode | Should -Be 0
        $run.Result.mode | Should -Be 'serial'
        $run.Result.action | Should -Be 'created'
        $run.Result.isInvalid | Should -BeFalse
        $post = Select-QrsWrite (Get-FakeQrsCall -Fake $Fake)
        $post.method | Should -Be 'POST'
        $post.path | Should -Be '/qrs/license'
        $post.query.control | Should -Be $Control
        $post.body.serial | Should -Be $Serial
        $post.body.lef | Should -Be $Lef
        $post.body.name | Should -Be 'Contoso Analytics'
        $post.body.organization | Should -Be 'Contoso'
        $post.body.PSObject.Properties.Name | Should -Not -Contain 'control'
        (Get-License).Count | Should -Be 1
        Assert-NoSecret $run
    }

    It 'keeps a matching license on the second run and writes nothing' {
        $twice = Invoke-StepTwice -Fake $Fake -Run { Invoke-Template -Path $StepScript -Parameters $SerialParameters }

        $twice.Second.ExitCode | Should -Be 0
        $twice.Second.Result.action | Should -Be 'unchanged'
        Select-QrsWrite $twice.SecondCalls | Should -BeNullOrEmpty
        (Get-License).Count | Should -Be 1
    }

    It 'licenses with a signed key, then replaces a serial license by the key without duplicating it' {
        $null = Invoke-Template -Path $StepScript -Parameters $SerialParameters
        $run = Invoke-Template -Path $StepScript -Parameters $KeyParameters

        $run.ExitCode | Should -Be 0
        $run.Result.mode | Should -Be 'signedKey'
        $run.Result.action | Should -Be 'updated'
        $put = @(Select-QrsWrite (Get-FakeQrsCall -Fake $Fake))[-1]
        $put.method | Should -Be 'PUT'
        $put.body.key | Should -Be $SignedKey
        $put.body.modifiedDate | Should -Not -BeNullOrEmpty
        # Only what changes travels, as the Qlik client libraries send it: not the old serial or LEF.
        @($put.body.PSObject.Properties.Name | Sort-Object) | Should -Be @('id', 'key', 'modifiedDate', 'name', 'organization')
        (Get-License).Count | Should -Be 1
        (Get-License)[0].key | Should -Be $SignedKey
        Assert-NoSecret $run
    }

    It 'creates the license from a signed key on a fresh site, and keeps it on a re-run' {
        $twice = Invoke-StepTwice -Fake $Fake -Run { Invoke-Template -Path $StepScript -Parameters $KeyParameters }

        $twice.First.Result.action | Should -Be 'created'
        $twice.Second.Result.action | Should -Be 'unchanged'
        Select-QrsWrite $twice.SecondCalls | Should -BeNullOrEmpty
    }

    It 'refuses to go back from a signed key to a serial (exit 32)' {
        $null = Invoke-Template -Path $StepScript -Parameters $KeyParameters
        $run = Invoke-Template -Path $StepScript -Parameters $SerialParameters

        $run.ExitCode | Should -Be 32
        $run.Stderr | Should -BeLike 'qlik-azure: the site is licensed with a signed license key*'
    }

    It 'fails with exit 21 when QRS rejects the key, without echoing the key it quoted' {
        $bad = 'not-a-signed-key-' + [guid]::NewGuid().ToString('N')
        $run = Invoke-Template -Path $StepScript -Parameters @{ QrsUrl = $Fake.url; SignedLicenseKey = $bad }

        $run.ExitCode | Should -Be 21
        $run.Stderr | Should -BeLike 'qlik-azure: QRS POST /qrs/license failed with HTTP 400: Invalid license key: ***'
        $run.AllText | Should -Not -BeLike "*$bad*"
    }

    It 'keeps the control number out of messages when QRS rejects a serial' {
        # Six digits: QRS refuses it and quotes it back ("Invalid serial ... or control number ..."), so
        # the message the script prints would carry it unless masked.
        $badControl = [string](Get-Random -Minimum 100000 -Maximum 999999)
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $SerialParameters @{ ControlKey = $badControl })

        $run.ExitCode | Should -Be 21
        @(Get-FakeQrsCall -Fake $Fake | Where-Object { $_.query.control -eq $badControl }) | Should -Not -BeNullOrEmpty
        $run.Stderr | Should -BeLike 'qlik-azure: QRS POST /qrs/license failed with HTTP 400:*control number `*`*`**'
        $run.AllText | Should -Not -BeLike "*$badControl*"
        $run.AllText | Should -Not -BeLike "*$Serial*"
    }

    It 'asks for exactly one of signed key or serial (exit 2), before calling QRS' {
        (Invoke-Template -Path $StepScript -Parameters @{ QrsUrl = $Fake.url }).ExitCode | Should -Be 2
        (Invoke-Template -Path $StepScript -Parameters ($KeyParameters + @{ SerialKey = $Serial })).ExitCode | Should -Be 2
        (Invoke-Template -Path $StepScript -Parameters @{ QrsUrl = $Fake.url; SerialKey = $Serial }).ExitCode | Should -Be 2
        Get-FakeQrsCall -Fake $Fake | Should -BeNullOrEmpty
    }
}
