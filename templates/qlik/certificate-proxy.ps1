<#
certificate-proxy.ps1 — guide step 48 (optional), second part: the central proxy presents the browser
certificate that certificate-import.ps1 put into LocalMachine\My. Runs as the Qlik service account,
like the other QRS steps: QRS accepts only Qlik's client certificate, which lives in that account's
personal store. Keeps HTTP on as a way back in if the certificate turns out wrong (guide 48 e).
Desired state: a re-run with the same thumbprint writes nothing.

Parameters (all strings, none secret):
  QrsUrl      base URL of the repository; default '' = https://<Qlik hostname>:4242
  Thumbprint  SHA-1 thumbprint of the imported certificate, 40 hex digits (required)
  KeepHttp    'true' (default) also turns Allow HTTP on; 'false' leaves it as it is

Result JSON (##qlik-azure[result]):
  thumbprint      thumbprint now set on the proxy (upper-case hex)
  proxyChanged    the proxy service was written (the proxy restarts)
  allowHttp       Allow HTTP after the step

Exit codes: 0 done; 1 unexpected error; 2 invalid parameter; 20 repository not reachable;
  21 QRS refused a request; 22 conflict persisted; 23 Qlik certificates not found.
#>
[CmdletBinding()]
param(
    [string]$QrsUrl = '',
    [string]$Thumbprint = '',
    [string]$KeepHttp = 'true'
)

#@include lib/common.ps1
#@include qlik/qrs.ps1

# The proxy looks the thumbprint up as Windows shows it: 40 hex digits, no spaces.
function ConvertTo-CertificateThumbprint {
    param([string]$Value)
    $normalized = ($Value -replace '\s', '').ToUpperInvariant()
    if ($normalized -notmatch '^[0-9A-F]{40}$') {
        Exit-QlikFailure -Code $QlikExitInvalidParameter -Message "parameter -Thumbprint must be 40 hexadecimal digits, got '$Value'"
    }
    $normalized
}

# Edits the proxy service entity in place; $true when anything changed.
function Set-ProxyBrowserCertificate {
    param($Entity, [string]$Thumbprint, [bool]$HttpWanted)
    $changed = $false
    if ([string]$Entity.settings.sslBrowserCertificateThumbprint -ne $Thumbprint) {
        $Entity.settings.sslBrowserCertificateThumbprint = $Thumbprint
        $changed = $true
    }
    if ($HttpWanted -and $Entity.settings.allowHttp -ne $true) {
        $Entity.settings.allowHttp = $true
        $changed = $true
    }
    $changed
}

Invoke-QlikMain {
    Assert-QlikRequired -Name 'Thumbprint' -Value $Thumbprint
    $wanted = ConvertTo-CertificateThumbprint -Value $Thumbprint
    $httpWanted = ConvertTo-QlikBoolean -Name 'KeepHttp' -Value $KeepHttp
    Initialize-QrsClient -BaseUrl $QrsUrl

    $proxyId = (Get-QrsEntity -Path 'proxyservice/local').id
    $proxy = Update-QrsEntity -Path "proxyservice/$proxyId" -Change {
        param($entity)
        Set-ProxyBrowserCertificate -Entity $entity -Thumbprint $wanted -HttpWanted $httpWanted
    }
    if ($proxy.Changed) { Write-QlikPhase "proxy now presents the certificate $wanted (the proxy restarts)" }

    Write-QlikResult ([ordered]@{
        thumbprint   = $wanted
        proxyChanged = $proxy.Changed
        allowHttp    = [bool]$proxy.Entity.settings.allowHttp
    })
}
