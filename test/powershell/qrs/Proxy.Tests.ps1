Describe 'proxy.ps1 (step 45)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Use-FakeQrs.ps1') -Step 'qlik/proxy.ps1'
        $script:Parameters = @{
            QrsUrl        = $Fake.url
            EnableHttp    = 'true'
            HostWhiteList = '20.50.60.70, QSVM01,qsvm01.westeurope.cloudapp.azure.com'
            FormLogin     = 'true'
        }
        function script:Get-DefaultVirtualProxy { (Get-FakeQrsEntity -Fake $Fake).virtualproxyconfig | Where-Object defaultVirtualProxy }
        function script:Get-CentralProxy { @((Get-FakeQrsEntity -Fake $Fake).proxyservice)[0] }
    }
    AfterAll { Stop-FakeQrsSuite -Fake $Fake }
    BeforeEach { Set-FakeQrs -Fake $Fake -Change @{ reset = $true } }

    It 'turns Allow HTTP on, adds the hosts to the white list and switches to the form login' {
        $run = Invoke-Template -Path $StepScript -Parameters $Parameters

        $run.ExitCode | Should -Be 0
        $run.Result.allowHttp | Should -BeTrue
        $run.Result.proxyChanged | Should -BeTrue
        $run.Result.hostWhiteList | Should -Be @('20.50.60.70', 'QSVM01', 'qsvm01.westeurope.cloudapp.azure.com')
        $run.Result.formLogin | Should -BeTrue
        $run.Result.virtualProxyChanged | Should -BeTrue
        (Get-CentralProxy).settings.allowHttp | Should -BeTrue
        (Get-DefaultVirtualProxy).websocketCrossOriginWhiteList | Should -Be $run.Result.hostWhiteList
        (Get-DefaultVirtualProxy).windowsAuthenticationEnabledDevicePattern | Should -Not -Be 'Windows'

        $writes = Select-QrsWrite (Get-FakeQrsCall -Fake $Fake)
        $writes.method | Should -Be @('PUT', 'PUT')
        $writes[0].path | Should -Be "/qrs/proxyservice/$((Get-CentralProxy).id)"
        # The whole entity goes back, not just the changed field.
        $writes[0].body.settings.listenPort | Should -Be 443
        $writes[0].body.serverNodeConfiguration.name | Should -Be 'Central'
        $writes[1].body.description | Should -Be 'Central Proxy (Default)'
        $writes | ForEach-Object { $_.contentType | Should -BeLike 'application/json*' }
    }

    It 'writes nothing on the second run' {
        $twice = Invoke-StepTwice -Fake $Fake -Run { Invoke-Template -Path $StepScript -Parameters $Parameters }

        $twice.Second.ExitCode | Should -Be 0
        $twice.Second.Result.proxyChanged | Should -BeFalse
        $twice.Second.Result.virtualProxyChanged | Should -BeFalse
        $twice.SecondCalls.Count | Should -BeGreaterThan 0
        Select-QrsWrite $twice.SecondCalls | Should -BeNullOrEmpty
    }

    It 'keeps what is already on the white list and adds only what is missing (case-insensitive)' {
        $null = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ HostWhiteList = 'intranet.example.com,20.50.60.70' })
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ HostWhiteList = '20.50.60.70,INTRANET.example.com,qlik.example.com' })

        $run.Result.hostWhiteList | Should -Be @('intranet.example.com', '20.50.60.70', 'qlik.example.com')
    }

    It 'turns Allow HTTP off when EnableHttp is false, once' {
        $null = Invoke-Template -Path $StepScript -Parameters $Parameters
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ EnableHttp = 'false' })
        $again = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ EnableHttp = 'false' })

        $run.ExitCode | Should -Be 0
        $run.Result.allowHttp | Should -BeFalse
        $run.Result.proxyChanged | Should -BeTrue
        $run.Phases | Should -Contain 'Allow HTTP switched off (the proxy restarts)'
        (Get-CentralProxy).settings.allowHttp | Should -BeFalse
        $again.Result.allowHttp | Should -BeFalse
        $again.Result.proxyChanged | Should -BeFalse
        @(Select-QrsWrite (Get-FakeQrsCall -Fake $Fake) | Where-Object { $_.path -like '/qrs/proxyservice/*' }).Count | Should -Be 2
    }

    It 'leaves Allow HTTP off and the login pattern alone when not asked' {
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ EnableHttp = 'false'; FormLogin = 'false' })

        $run.Result.allowHttp | Should -BeFalse
        $run.Result.proxyChanged | Should -BeFalse
        $run.Result.formLogin | Should -BeFalse
        (Get-DefaultVirtualProxy).windowsAuthenticationEnabledDevicePattern | Should -Be 'Windows'
        @(Select-QrsWrite (Get-FakeQrsCall -Fake $Fake)).Count | Should -Be 1
    }

    It 'reads the proxy again and re-applies the change once when someone edits it in between (409)' {
        Set-FakeQrs -Fake $Fake -Change @{ concurrentEditAfterGet = 'proxyservice' }
        $run = Invoke-Template -Path $StepScript -Parameters $Parameters

        $run.ExitCode | Should -Be 0
        $run.Phases | Should -Contain "/qrs/proxyservice/$((Get-CentralProxy).id) changed while we edited it; reading it again"
        $proxyPuts = @(Get-FakeQrsCall -Fake $Fake | Where-Object { $_.method -eq 'PUT' -and $_.path -like '/qrs/proxyservice/*' })
        $proxyPuts.status | Should -Be @(409, 200)
        (Get-CentralProxy).settings.allowHttp | Should -BeTrue
    }

    It 'waits while the repository is still starting (503) and then succeeds' {
        Set-FakeQrs -Fake $Fake -Change @{ notReadyMs = 1200 }
        $run = Invoke-Template -Path $StepScript -Parameters $Parameters

        $run.ExitCode | Should -Be 0
        @(Get-FakeQrsCall -Fake $Fake | Where-Object status -EQ 503).Count | Should -BeGreaterThan 0
        (Get-CentralProxy).settings.allowHttp | Should -BeTrue
    }

    It 'sends the xrfkey pair on every call' {
        $null = Invoke-Template -Path $StepScript -Parameters $Parameters
        foreach ($call in Get-FakeQrsCall -Fake $Fake) {
            $call.xrfkeyQuery | Should -MatchExactly '^[0-9A-Za-z]{16}$'
            $call.xrfkeyHeader | Should -BeExactly $call.xrfkeyQuery
            $call.status | Should -BeLessThan 300
        }
    }

    It 'rejects a white-list entry that is not a host name, before calling QRS (exit 2)' {
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ HostWhiteList = 'good.example.com,https://bad/path' })

        $run.ExitCode | Should -Be 2
        $run.Stderr | Should -Be "qlik-azure: parameter -HostWhiteList: 'https://bad/path' is not a host name or IP address"
        Get-FakeQrsCall -Fake $Fake | Should -BeNullOrEmpty
    }

    It 'rejects EnableHttp values other than true/false (exit 2)' {
        (Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ EnableHttp = 'yes' })).ExitCode | Should -Be 2
    }
}
