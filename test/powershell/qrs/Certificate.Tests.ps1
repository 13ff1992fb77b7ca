# Step 48 in two scripts: certificate-import.ps1 (LocalSystem: machine store and key ACL, no QRS) and
# certificate-proxy.ps1 (service account: the proxy's thumbprint through QRS).
BeforeAll {
    # A self-signed certificate with its key, as the user's PFX.
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
}

Describe 'certificate-import.ps1 (step 48, as LocalSystem)' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
        $script:StepScript = Initialize-TemplateTest -Name 'qlik/certificate-import.ps1' -Directory $TestDrive
        $script:PfxPasswordValue = New-FakeSecret -Label 'pfx'
        $script:Pfx = New-TestPfx -Password $PfxPasswordValue
        $script:Parameters = @{ PfxBase64Key = $Pfx.Base64; PfxPassword = $PfxPasswordValue; ServiceAccount = 'QlikService' }
    }
    AfterAll { Reset-TemplateTest }
    BeforeEach {
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

    It 'imports the PFX into the machine store and lets the service account read the key' {
        $run = Invoke-Template -Path $StepScript -Parameters $Parameters

        $run.ExitCode | Should -Be 0
        $run.Result.thumbprint | Should -Be $Pfx.Thumbprint
        $run.Result.subject | Should -Be 'CN=qlik.contoso.example'
        # Read from the raw line: ConvertFrom-Json would turn the ISO text into a [datetime].
        $run.ResultLines[0] | Should -Match '"notAfter":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"'
        $run.Result.imported | Should -BeTrue
        $run.Result.privateKeyGranted | Should -BeTrue
        $Machine.Certificates.ContainsKey($Pfx.Thumbprint) | Should -BeTrue
        Should -Invoke Grant-PrivateKeyRead -Times 1 -Exactly -ParameterFilter { $Account -eq 'QSVM01\QlikService' -and $Thumbprint -eq $Pfx.Thumbprint }
    }

    It 'keeps a service account given with its domain or machine as it is' {
        $run = Invoke-Template -Path $StepScript -Parameters (Join-TemplateParameter $Parameters @{ ServiceAccount = 'CONTOSO\svc-qlik' })
        $run.ExitCode | Should -Be 0
        Should -Invoke Grant-PrivateKeyRead -Times 1 -Exactly -ParameterFilter { $Account -eq 'CONTOSO\svc-qlik' }
    }

    It 'imports and grants nothing on a re-run with the same PFX' {
        $null = Invoke-Template -Path $StepScript -Parameters $Parameters
        $second = Invoke-Template -Path $StepScript -Parameters $Parameters

        $second.ExitCode | Should -Be 0
        $second.Result.thumbprint | Should -Be $Pfx.Thumbprint
        $second.Result.imported | Should -BeFalse
        $second.Result.privateKeyGranted | Should -BeFalse
        Should -Invoke Import-MachinePfx -Times 1 -Exactly
    }

    It 'reports nothing about the proxy: that is certificate-proxy.ps1''s part' {
        $run = Invoke-Template -Path $StepScript -Parameters $Parameters
        @($run.Result.PSObject.Properties.Name) | Should -Be @('thumbprint', 'subject', 'notAfter', 'imported', 'privateKeyGranted')
    }

    It 'never prints the PFX or its password' {
        $run = Invoke-Template -Path $StepScript -Parameters $Parameters
        $run.AllText | Should -Not -BeLike "*$PfxPasswordValue*"
        $run.AllText | Should -Not -BeLike "*$($Pfx.Base64.Substring(0, 40))*"
    }

    It 'fails with exit 2 without a service account' {
        $run = Invoke-Template -Path $StepScript -Parameters (Join-TemplateParameter $Parameters @{ ServiceAccount = ' ' })
        $run.ExitCode | Should -Be 2
        $run.Stderr | Should -Be 'qlik-azure: parameter -ServiceAccount is required'
    }

    It 'fails with exit 40 on a wrong password, naming the parameter but not the secret' {
        $wrong = New-FakeSecret -Label 'wrong'
        $run = Invoke-Template -Path $StepScript -Parameters (Join-TemplateParameter $Parameters @{ PfxPassword = $wrong })

        $run.ExitCode | Should -Be 40
        $run.Stderr | Should -BeLike 'qlik-azure: the PFX could not be opened: wrong -PfxPassword*'
        $run.AllText | Should -Not -BeLike "*$wrong*"
        Should -Invoke Import-MachinePfx -Times 0 -Exactly
    }

    It 'fails with exit 40 when the content is not base64' {
        $run = Invoke-Template -Path $StepScript -Parameters (Join-TemplateParameter $Parameters @{ PfxBase64Key = 'not base64 at all!' })
        $run.ExitCode | Should -Be 40
        $run.Stderr | Should -Be 'qlik-azure: parameter -PfxBase64Key is not base64 text'
    }

    It 'refuses an expired certificate (exit 41) before touching the machine' {
        $expired = New-TestPfx -Password $PfxPasswordValue -ValidFromDays -30 -ValidToDays -1
        $run = Invoke-Template -Path $StepScript -Parameters (Join-TemplateParameter $Parameters @{ PfxBase64Key = $expired.Base64 })

        $run.ExitCode | Should -Be 41
        $run.Stderr | Should -BeLike "qlik-azure: the certificate 'CN=qlik.contoso.example' expired on *"
        Should -Invoke Import-MachinePfx -Times 0 -Exactly
        Should -Invoke Grant-PrivateKeyRead -Times 0 -Exactly
    }
}

Describe 'certificate-import.ps1 importing into the machine store (Import-PfxCertificate)' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
        $script:StepScript = Initialize-TemplateTest -Name 'qlik/certificate-import.ps1' -Directory $TestDrive -WindowsCommand @{
            'Import-PfxCertificate' = '$FilePath, $CertStoreLocation, $Password'
        }
    }
    AfterAll { Reset-TemplateTest }
    BeforeEach {
        $script:PfxImportSeen = @{}
        Mock Test-MachineCertificate { $false }
        Mock Grant-PrivateKeyRead { $true }
        Mock Import-PfxCertificate {
            $PfxImportSeen.Store = $CertStoreLocation
            $PfxImportSeen.PasswordGiven = $PSBoundParameters.ContainsKey('Password')
            if ($Password) { $PfxImportSeen.Password = [Net.NetworkCredential]::new('', $Password).Password }
        }
    }

    It 'imports a PFX without a password: no -Password, where ConvertTo-SecureString would refuse the empty string' {
        $pfx = New-TestPfx -Password ''
        $run = Invoke-Template -Path $StepScript -Parameters @{ PfxBase64Key = $pfx.Base64; ServiceAccount = 'QlikService' }

        $run.Stderr | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $run.Result.thumbprint | Should -Be $pfx.Thumbprint
        $PfxImportSeen.Store | Should -Be 'Cert:\LocalMachine\My'
        $PfxImportSeen.PasswordGiven | Should -BeFalse
    }

    It 'hands a PFX password to Import-PfxCertificate as a SecureString' {
        $password = (New-FakeSecret -Label 'pfx') + ' "&^%'
        $pfx = New-TestPfx -Password $password
        $run = Invoke-Template -Path $StepScript -Parameters @{ PfxBase64Key = $pfx.Base64; PfxPassword = $password; ServiceAccount = 'QlikService' }

        $run.ExitCode | Should -Be 0
        $PfxImportSeen.Password | Should -BeExactly $password
        $run.AllText.Contains($password) | Should -BeFalse
    }
}

Describe 'certificate-proxy.ps1 (step 48, as the service account)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Use-FakeQrs.ps1') -Step 'qlik/certificate-proxy.ps1'
        $script:Thumbprint = (New-TestPfx -Password '').Thumbprint
        $script:Parameters = @{ QrsUrl = $Fake.url; Thumbprint = $Thumbprint }
        function script:Get-ProxySettings { @((Get-FakeQrsEntity -Fake $Fake).proxyservice)[0].settings }
    }
    AfterAll { Stop-FakeQrsSuite -Fake $Fake }
    BeforeEach { Set-FakeQrs -Fake $Fake -Change @{ reset = $true } }

    It 'sets the thumbprint on the central proxy and keeps HTTP on, in one write' {
        $run = Invoke-Template -Path $StepScript -Parameters $Parameters

        $run.ExitCode | Should -Be 0
        $run.Result.thumbprint | Should -Be $Thumbprint
        $run.Result.proxyChanged | Should -BeTrue
        $run.Result.allowHttp | Should -BeTrue
        (Get-ProxySettings).sslBrowserCertificateThumbprint | Should -Be $Thumbprint
        (Get-ProxySettings).allowHttp | Should -BeTrue
        @(Select-QrsWrite (Get-FakeQrsCall -Fake $Fake)).Count | Should -Be 1
    }

    It 'takes the thumbprint in lower case or with spaces, and sets it as Windows shows it' {
        $spaced = ($Thumbprint.ToLowerInvariant() -replace '(.{8})', '$1 ').Trim()
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ Thumbprint = $spaced })
        $run.Result.thumbprint | Should -Be $Thumbprint
        (Get-ProxySettings).sslBrowserCertificateThumbprint | Should -Be $Thumbprint
    }

    It 'writes nothing on a re-run with the same thumbprint' {
        $twice = Invoke-StepTwice -Fake $Fake -Run { Invoke-Template -Path $StepScript -Parameters $Parameters }

        $twice.Second.ExitCode | Should -Be 0
        $twice.Second.Result.proxyChanged | Should -BeFalse
        $twice.Second.Result.allowHttp | Should -BeTrue
        Select-QrsWrite $twice.SecondCalls | Should -BeNullOrEmpty
    }

    It 'leaves Allow HTTP alone with KeepHttp false' {
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ KeepHttp = 'false' })
        $run.Result.allowHttp | Should -BeFalse
        (Get-ProxySettings).allowHttp | Should -BeFalse
        (Get-ProxySettings).sslBrowserCertificateThumbprint | Should -Be $Thumbprint
    }

    It 'refuses a thumbprint that is not 40 hex digits (exit 2) before calling QRS' {
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ Thumbprint = 'not-a-thumbprint' })
        $run.ExitCode | Should -Be 2
        $run.Stderr | Should -Be "qlik-azure: parameter -Thumbprint must be 40 hexadecimal digits, got 'not-a-thumbprint'"
        Get-FakeQrsCall -Fake $Fake | Should -BeNullOrEmpty
    }

    It 'fails with exit 2 without a thumbprint' {
        $run = Invoke-Template -Path $StepScript -Parameters (Join-StepParameter $Parameters @{ Thumbprint = '' })
        $run.ExitCode | Should -Be 2
        $run.Stderr | Should -Be 'qlik-azure: parameter -Thumbprint is required'
    }
}
