Describe 'wait-repository.ps1 (step 41)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Use-FakeQrs.ps1') -Step 'qlik/wait-repository.ps1'
        $script:Parameters = @{ QrsUrl = $Fake.url; TimeoutSeconds = '20'; PollSeconds = '0' }
    }
    AfterAll { Stop-FakeQrsSuite -Fake $Fake }
    BeforeEach { Set-FakeQrs -Fake $Fake -Change @{ reset = $true } }

    It 'reports the build once /qrs/about answers, with the xrfkey pair, X-Qlik-User and client certificate on the call' {
        $run = Invoke-Template -Path $StepScript -Parameters $Parameters

        $run.ExitCode | Should -Be 0
        $run.Lines[-1] | Should -BeLike '##qlik-azure`[result`] {*}'
        $run.Result.repositoryReady | Should -BeTrue
        $run.Result.buildVersion | Should -Be '14.254.6'
        $run.Result.qrsUrl | Should -Be $Fake.url
        $call = Get-FakeQrsCall -Fake $Fake | Select-Object -Last 1
        $call.path | Should -Be '/qrs/about'
        $call.xrfkeyQuery | Should -MatchExactly '^[0-9A-Za-z]{16}$'
        $call.xrfkeyHeader | Should -BeExactly $call.xrfkeyQuery
        $call.qlikUser | Should -Be 'UserDirectory=INTERNAL; UserId=sa_api'
        $call.clientCertificate | Should -Be 'CN=QlikClient'
    }

    It 'keeps polling while the repository answers 503, with progress lines and a fresh xrfkey per call' {
        Set-FakeQrs -Fake $Fake -Change @{ notReadyMs = 1500 }
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ PollSeconds = '1' })

        $run.ExitCode | Should -Be 0
        $run.Phases | Should -Contain 'repository not ready after 0 s: HTTP 503'
        $calls = Get-FakeQrsCall -Fake $Fake
        @($calls | Where-Object status -EQ 503).Count | Should -BeGreaterThan 0
        $calls[-1].status | Should -Be 200
        $keys = @($calls | ForEach-Object xrfkeyQuery)
        @($keys | Sort-Object -Unique -CaseSensitive).Count | Should -Be $keys.Count
    }

    It 'ends with exit 20 and names the services to check when the repository never becomes ready' {
        Set-FakeQrs -Fake $Fake -Change @{ notReadyMs = 'forever' }
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ TimeoutSeconds = '1' })

        $run.ExitCode | Should -Be 20
        $run.Stderr | Should -BeLike "qlik-azure: the Qlik Sense Repository Service did not answer at $($Fake.url)/qrs/about within 1 s (last: HTTP 503)*QlikSenseRepositoryService*"
        $run.ResultLines | Should -BeNullOrEmpty
    }

    It 'ends with exit 20 when nothing listens on the port (connection refused)' {
        $closed = (Get-ClosedLoopbackUrl) -replace '^http:', 'https:'
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ QrsUrl = $closed; TimeoutSeconds = '1' })

        $run.ExitCode | Should -Be 20
        $run.Stderr | Should -BeLike '*Connection refused*'
    }

    It 'refuses at once a server whose certificate is not issued by the Qlik site CA (exit 23)' {
        $otherSite = Start-FakeQrs
        try {
            $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ QrsUrl = $otherSite.url })
            $reached = Get-FakeQrsCall -Fake $otherSite
        } finally { Stop-FakeQrs -Fake $otherSite }

        $run.ExitCode | Should -Be 23
        $run.Stderr | Should -BeLike "qlik-azure: the server at $($otherSite.url) presented a certificate that is not issued by the Qlik site CA*"
        $reached.Count | Should -Be 0
    }

    It 'waits for the certificates the repository creates on its first start' {
        $lookups = @{ Count = 0 }
        Mock Get-QlikClientCertificate {
            $lookups.Count++
            if ($lookups.Count -gt 2) { $FakeClientCertificate }
        }
        $run = Invoke-Template -Path $StepScript -Parameters $Parameters

        $run.ExitCode | Should -Be 0
        $run.Phases | Should -Contain 'waiting for the repository to create the Qlik certificates'
        $lookups.Count | Should -Be 3
    }

    It 'fails with exit 23 when the Qlik client certificate never appears' {
        Mock Get-QlikClientCertificate { $null }
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ TimeoutSeconds = '1' })

        $run.ExitCode | Should -Be 23
        $run.Stderr | Should -BeLike 'qlik-azure: Qlik client certificate (QlikClient) not found*'
    }

    It 'waits while the fake refuses connections (CLI --not-ready-mode refuse), then reports ready' {
        $starting = Start-FakeQrs -Arguments '--not-ready-ms', '1500', '--not-ready-mode', 'refuse'
        $startingClient = Get-FakeQrsClientCertificate -Fake $starting
        $startingCa = Get-FakeQrsCaCertificate -Fake $starting
        Mock Get-QlikClientCertificate { $startingClient }
        Mock Get-QlikRootCertificate { $startingCa }
        try {
            $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ QrsUrl = $starting.url; PollSeconds = '1' })
        } finally { Stop-FakeQrs -Fake $starting }

        $run.ExitCode | Should -Be 0
        $run.Phases | Where-Object { $_ -like 'repository not ready after * s: Connection refused*' } | Should -Not -BeNullOrEmpty
    }

    It 'rejects a non-numeric timeout with exit 2' {
        (Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ TimeoutSeconds = 'soon' })).ExitCode | Should -Be 2
    }
}
