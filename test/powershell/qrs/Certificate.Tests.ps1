Describe 'certificate.ps1 (step 48)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Use-FakeQrs.ps1') -Step 'qlik/certificate.ps1'
        $script:OriginalComputerName = $env:COMPUTERNAME
        $env:COMPUTERNAME = 'QSVM01'

        function script:New-TestPfx {
            param([string]$Password, [int]$ValidFromDays = -1, [int]$ValidToDays = 90)
            $rsa = [Security.Cryptography.RSA]::Create(2048)
            $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new(
                'CN=qlik.contoso.example', $rsa, [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
            $now = [DateTimeOffset]::UtcNow
            $certificate = $request.CreateSelfSigned($now.AddDays($ValidFromDays), $now.AddDays($ValidToDays))
            [pscustomobject]@{
                Base64     = [Convert]::ToBase64String($certificate.Export('Pfx', $Password))
                Thumbprint = $certificate.Thumbprint
            }
        }
        $script:PfxPasswordValue = New-FakeSecret -Label 'pfx'
        $script:Pfx = New-TestPfx -Password $PfxPasswordValue
        $script:Parameters = @{ QrsUrl = $Fake.url; PfxBase64Key = $Pfx.Base64; PfxPassword = $PfxPasswordValue; ServiceAccount = 'QlikService' }
        function script:Get-ProxySettings { @((Get-FakeQrsEntity -Fake $Fake).proxyservice)[0].settings }
    }
    AfterAll {
        $env:COMPUTERNAME = $OriginalComputerName
        Stop-FakeQrsSuite -Fake $Fake
    }
    BeforeEach {
        Set-FakeQrs -Fake $Fake -Change @{ reset = $true }
        # The machine's certificate store and key-file ACL: empty until the script imports/grants.
        $script:Machine = @{ Certificates = @{}; Readers = @{} }
        Mock Test-MachineCertificate { $Machine.Certificates.ContainsKey($Thumbprint) }
        Mock Import-MachinePfx {
            $collection = [Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
            $collection.Import($PfxBytes, $PfxPasswordValue, 'EphemeralKeySet')
            $Machine.Certificates[$collection[0].Thumbprint] = $true
        }
        Mock Grant-PrivateKeyRead {
            if ($Machine.Readers[$Thumbprint] -eq $Account) { return $false }
            $Machine.Readers[$Thumbprint] = $Account
            $true
        }
    }

    It 'imports the PFX, lets the service account read the key, sets the thumbprint and keeps HTTP on' {
        $run = Invoke-Template -Path $StepScript -Parameters $Parameters

        $run.ExitCode | Should -Be 0
        $run.Result.thumbprint | Should -Be $Pfx.Thumbprint
        $run.Result.subject | Should -Be 'CN=qlik.contoso.example'
        $run.Result.imported | Should -BeTrue
        $run.Result.privateKeyGranted | Should -BeTrue
        $run.Result.proxyChanged | Should -BeTrue
        $run.Result.allowHttp | Should -BeTrue
        Should -Invoke Grant-PrivateKeyRead -Times 1 -Exactly -ParameterFilter { $Account -eq 'QSVM01\QlikService' -and $Thumbprint -eq $Pfx.Thumbprint }
        (Get-ProxySettings).sslBrowserCertificateThumbprint | Should -Be $Pfx.Thumbprint
        (Get-ProxySettings).allowHttp | Should -BeTrue
        @(Select-QrsWrite (Get-FakeQrsCall -Fake $Fake)).Count | Should -Be 1
    }

    It 'imports and writes nothing on a re-run with the same PFX' {
        $twice = Invoke-StepTwice -Fake $Fake -Run { Invoke-Template -Path $StepScript -Parameters $Parameters }

        $twice.Second.Result.imported | Should -BeFalse
        $twice.Second.Result.privateKeyGranted | Should -BeFalse
        $twice.Second.Result.proxyChanged | Should -BeFalse
        Should -Invoke Import-MachinePfx -Times 1 -Exactly
        Select-QrsWrite $twice.SecondCalls | Should -BeNullOrEmpty
    }

    It 'leaves Allow HTTP alone with KeepHttp false' {
        $run = Invoke-Template -Path $StepScript -Parameters ($Parameters + @{ KeepHttp = 'false' })
        $run.Result.allowHttp | Should -BeFalse
        (Get-ProxySettings).allowHttp | Should -BeFalse
    }

    It 'never prints the PFX or its password' {
        $run = Invoke-Template -Path $StepScript -Parameters $Parameters
        $run.AllText | Should -Not -BeLike "*$PfxPasswordValue*"
        $run.AllText | Should -Not -BeLike "*$($Pfx.Base64.Substring(0, 40))*"
    }

    It 'fails with exit 40 on a wrong password, naming the parameter but not the secret' {
        $wrong = New-FakeSecret -Label 'wrong'
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ PfxPassword = $wrong })

        $run.ExitCode | Should -Be 40
        $run.Stderr | Should -BeLike 'qlik-azure: the PFX could not be opened: wrong -PfxPassword*'
        $run.AllText | Should -Not -BeLike "*$wrong*"
        Should -Invoke Import-MachinePfx -Times 0 -Exactly
    }

    It 'fails with exit 40 when the content is not base64' {
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ PfxBase64Key = 'not base64 at all!' })
        $run.ExitCode | Should -Be 40
        $run.Stderr | Should -Be 'qlik-azure: parameter -PfxBase64Key is not base64 text'
    }

    It 'refuses an expired certificate (exit 41) before touching the machine or QRS' {
        $expired = New-TestPfx -Password $PfxPasswordValue -ValidFromDays -30 -ValidToDays -1
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ PfxBase64Key = $expired.Base64 })

        $run.ExitCode | Should -Be 41
        $run.Stderr | Should -BeLike "qlik-azure: the certificate 'CN=qlik.contoso.example' expired on *"
        Should -Invoke Import-MachinePfx -Times 0 -Exactly
        Get-FakeQrsCall -Fake $Fake | Should -BeNullOrEmpty
    }
}
