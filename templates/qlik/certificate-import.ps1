<#
certificate-import.ps1 — guide step 48 (optional), first part: a trusted browser certificate for the
Qlik proxy, e.g. for iOS, which refuses Qlik's self-signed one. Imports the user's PFX into
LocalMachine\My and lets the Qlik service account read its private key (otherwise the proxy logs
"Couldn't find a valid ssl certificate" and falls back to its own). Runs as LocalSystem: both need
administrator rights, which a Run Command runAsUser logon lacks (its token is UAC-filtered).
certificate-proxy.ps1 then sets the thumbprint on the proxy as the service account.
Desired state: a re-run with the same PFX imports and grants nothing.

Parameters (all strings):
  PfxBase64Key    SECRET. The PFX (PKCS#12) file, base64-encoded. It travels inside the Run Command
                  request with the script, whose total size Azure limits (exact figure not confirmed);
                  a PFX with its chain is typically 3-15 KB, 4-20 KB as base64
  PfxPassword     SECRET. Password of the PFX (may be empty)
  ServiceAccount  account the Qlik services run as, e.g. QlikService or QSVM01\QlikService (required)

Result JSON (##qlik-azure[result]) — no key material:
  thumbprint            SHA-1 thumbprint of the certificate (upper-case hex)
  subject, notAfter     of the certificate (notAfter as ISO 8601 UTC)
  imported              the certificate was imported by this run (false: it was already there)
  privateKeyGranted     read access to the private key was granted by this run

Exit codes: 0 done; 1 unexpected error; 2 invalid parameter;
  40 PFX unreadable (not base64, wrong password, or no private key); 41 certificate expired.
#>
[CmdletBinding()]
param(
    [string]$PfxBase64Key = '',
    [string]$PfxPassword = '',
    [string]$ServiceAccount = ''
)

#@include lib/common.ps1

$ExitPfxUnreadable = 40
$ExitCertificateExpired = 41

function ConvertFrom-PfxBase64 {
    try {
        return [Convert]::FromBase64String(($PfxBase64Key -replace '\s', ''))
    } catch {
        Exit-QlikFailure -Code $ExitPfxUnreadable -Message 'parameter -PfxBase64Key is not base64 text'
    }
}

# The certificate in the PFX that has a private key (the PFX may also carry its chain).
function Read-BrowserCertificate {
    param([byte[]]$PfxBytes)
    $certificates = New-Object Security.Cryptography.X509Certificates.X509Certificate2Collection
    # Only looking: keep the key out of any key store (EphemeralKeySet needs .NET Framework 4.7.2+).
    $flags = [Security.Cryptography.X509Certificates.X509KeyStorageFlags]::DefaultKeySet
    if ([enum]::GetNames([Security.Cryptography.X509Certificates.X509KeyStorageFlags]) -contains 'EphemeralKeySet') { $flags = 'EphemeralKeySet' }
    try {
        $certificates.Import($PfxBytes, $PfxPassword, $flags)
    } catch {
        Exit-QlikFailure -Code $ExitPfxUnreadable -Message 'the PFX could not be opened: wrong -PfxPassword, or the content is not a PFX (PKCS#12) file'
    }
    $withKey = @($certificates | Where-Object { $_.HasPrivateKey }) | Select-Object -First 1
    if (-not $withKey) {
        Exit-QlikFailure -Code $ExitPfxUnreadable -Message 'the PFX holds no certificate with a private key; export it again including the private key'
    }
    if ($withKey.NotAfter.ToUniversalTime() -le [DateTime]::UtcNow) {
        Exit-QlikFailure -Code $ExitCertificateExpired -Message "the certificate '$($withKey.Subject)' expired on $($withKey.NotAfter.ToUniversalTime().ToString('yyyy-MM-dd')); get a renewed one"
    }
    $withKey
}

# A bare account name is a local account of this machine.
function Resolve-ServiceAccountName {
    $account = $ServiceAccount.Trim()
    if ($account -notmatch '\\') { $account = "$env:COMPUTERNAME\$account" }
    $account
}

function Test-MachineCertificate {
    param([string]$Thumbprint)
    Test-Path -LiteralPath "Cert:\LocalMachine\My\$Thumbprint"
}

function Import-MachinePfx {
    param([byte[]]$PfxBytes)
    # Import-PfxCertificate reads from a file only; the file lives just for the call.
    $path = [IO.Path]::GetTempFileName()
    try {
        [IO.File]::WriteAllBytes($path, $PfxBytes)
        # A PFX without a password: no -Password at all (ConvertTo-SecureString refuses an empty string).
        $password = @{}
        if ($PfxPassword) { $password.Password = ConvertTo-SecureString -String $PfxPassword -AsPlainText -Force }
        $null = Import-PfxCertificate -FilePath $path -CertStoreLocation 'Cert:\LocalMachine\My' @password
    } finally {
        Remove-Item -LiteralPath $path -Force -ErrorAction SilentlyContinue
    }
}

# The file holding the machine certificate's private key: CNG keys (RSA or ECDSA) under Crypto\Keys,
# legacy CSP keys under Crypto\RSA\MachineKeys.
function Get-PrivateKeyFile {
    param([string]$Thumbprint)
    $certificate = Get-Item -LiteralPath "Cert:\LocalMachine\My\$Thumbprint"
    $key = [Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($certificate)
    if (-not $key) { $key = [Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($certificate) }
    if ($key -is [Security.Cryptography.RSACng] -or $key -is [Security.Cryptography.ECDsaCng]) {
        return Join-Path $env:ProgramData "Microsoft\Crypto\Keys\$($key.Key.UniqueName)"
    }
    Join-Path $env:ProgramData "Microsoft\Crypto\RSA\MachineKeys\$($certificate.PrivateKey.CspKeyContainerInfo.UniqueKeyContainerName)"
}

# $true when read access had to be added.
function Grant-PrivateKeyRead {
    param([string]$Thumbprint, [string]$Account)
    $keyFile = Get-PrivateKeyFile -Thumbprint $Thumbprint
    $acl = Get-Acl -LiteralPath $keyFile
    $granted = @($acl.Access | Where-Object {
            $_.IdentityReference.Value -eq $Account -and $_.AccessControlType -eq 'Allow' -and
            ($_.FileSystemRights -band [Security.AccessControl.FileSystemRights]::Read) -eq [Security.AccessControl.FileSystemRights]::Read
        })
    if ($granted.Count -gt 0) { return $false }
    $rule = New-Object Security.AccessControl.FileSystemAccessRule -ArgumentList $Account, 'Read', 'Allow'
    $acl.AddAccessRule($rule)
    Set-Acl -LiteralPath $keyFile -AclObject $acl
    $true
}

Invoke-QlikMain {
    Assert-QlikRequired -Name 'PfxBase64Key' -Value $PfxBase64Key
    Assert-QlikRequired -Name 'ServiceAccount' -Value $ServiceAccount
    $account = Resolve-ServiceAccountName

    $pfxBytes = ConvertFrom-PfxBase64
    $certificate = Read-BrowserCertificate -PfxBytes $pfxBytes
    $thumbprint = $certificate.Thumbprint.ToUpperInvariant()
    Write-QlikPhase "certificate $($certificate.Subject), thumbprint $thumbprint"

    $imported = -not (Test-MachineCertificate -Thumbprint $thumbprint)
    if ($imported) {
        Write-QlikPhase 'importing it into LocalMachine\My'
        Import-MachinePfx -PfxBytes $pfxBytes
    }
    $keyGranted = Grant-PrivateKeyRead -Thumbprint $thumbprint -Account $account
    if ($keyGranted) { Write-QlikPhase "$account may now read the private key" }

    Write-QlikResult ([ordered]@{
        thumbprint        = $thumbprint
        subject           = $certificate.Subject
        notAfter          = $certificate.NotAfter.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
        imported          = $imported
        privateKeyGranted = $keyGranted
    })
}
