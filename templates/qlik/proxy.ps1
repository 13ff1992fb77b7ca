<#
proxy.ps1 — guide step 45: "Allow HTTP" on the central proxy and the default virtual proxy's host
white list (public IP, machine name, DNS label, custom names), optionally the form login for users
who are not in a Windows domain. Desired state: re-runs change nothing and write nothing.

Parameters (all strings; * = sent as a protected parameter, printed as host and path only):
  QrsUrl       * base URL of the repository; default '' = https://<Qlik hostname>:4242
  EnableHttp     Allow HTTP (port 80) as desired state: 'true' turns it on, 'false' (default) turns it
                 off. (The configuration refuses to keep HTTP in step 48 without enableHttp, so this
                 step and step 48 never want different settings.)
  HostWhiteList  comma-separated host names / IP addresses to add; entries already present stay
  FormLogin      'true' makes browsers get Qlik's login form instead of Windows authentication
                 (the Windows-authentication pattern no longer matches any browser); default 'false'
                 leaves the pattern as it is

Result JSON (##qlik-azure[result]):
  allowHttp             the proxy's Allow HTTP after the step
  proxyChanged          whether the proxy service was written
  hostWhiteList         the default virtual proxy's white list after the step
  formLogin             whether browsers get the form login (pattern is ours)
  virtualProxyChanged   whether the virtual proxy was written

Exit codes: 0 done; 1 unexpected error; 2 invalid parameter; 20 repository not reachable;
  21 QRS refused a request; 22 conflict persisted; 23 certificates not found;
  30 no default virtual proxy in the repository.
#>
[CmdletBinding()]
param(
    [string]$QrsUrl = '',
    [string]$EnableHttp = 'false',
    [string]$HostWhiteList = '',
    [string]$FormLogin = 'false'
)

#@include lib/common.ps1
#@include qlik/qrs.ps1

$ExitNoDefaultVirtualProxy = 30
# The proxy offers Windows authentication to user agents containing this pattern ("Windows" by default,
# which every browser on Windows matches). A value no browser sends makes everyone get the form.
$FormLoginPattern = 'qlik-azure-form-login'
$HostNamePattern = '^[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$'

function Get-RequestedHostNames {
    $names = @($HostWhiteList -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    foreach ($name in $names) {
        if ($name -notmatch $HostNamePattern) {
            Exit-QlikFailure -Code $QlikExitInvalidParameter -Message "parameter -HostWhiteList: '$name' is not a host name or IP address"
        }
    }
    , $names
}

# Existing entries first, in their order; new ones appended. Host names compare case-insensitively.
function Join-WhiteList {
    param([string[]]$Existing, [string[]]$Requested)
    $seen = New-Object 'System.Collections.Generic.HashSet[string]' ([StringComparer]::OrdinalIgnoreCase)
    $merged = New-Object System.Collections.Generic.List[string]
    foreach ($name in @($Existing) + @($Requested)) {
        if ($name -and $seen.Add($name)) { $merged.Add($name) }
    }
    , $merged.ToArray()
}

Invoke-QlikMain {
    $httpWanted = ConvertTo-QlikBoolean -Name 'EnableHttp' -Value $EnableHttp
    $formWanted = ConvertTo-QlikBoolean -Name 'FormLogin' -Value $FormLogin
    $requested = Get-RequestedHostNames
    Initialize-QrsClient -BaseUrl $QrsUrl

    Write-QlikPhase 'reading the central proxy'
    $proxyId = (Get-QrsEntity -Path 'proxyservice/local').id
    $proxy = Update-QrsEntity -Path "proxyservice/$proxyId" -Change {
        param($entity)
        if ([bool]$entity.settings.allowHttp -eq $httpWanted) { return $false }
        $entity.settings.allowHttp = $httpWanted
        $true
    }
    if ($proxy.Changed) { Write-QlikPhase "Allow HTTP switched $(if ($httpWanted) { 'on' } else { 'off' }) (the proxy restarts)" }

    Write-QlikPhase 'reading the default virtual proxy'
    $defaultProxy = @(Find-QrsEntity -Collection 'virtualproxyconfig' -Filter 'defaultVirtualProxy eq true') | Select-Object -First 1
    if (-not $defaultProxy) {
        Exit-QlikFailure -Code $ExitNoDefaultVirtualProxy -Message 'the repository has no default virtual proxy (defaultVirtualProxy = true); check Virtual proxies in the QMC'
    }
    $virtualProxy = Update-QrsEntity -Path "virtualproxyconfig/$($defaultProxy.id)" -Change {
        param($entity)
        $existing = [string[]]@($entity.websocketCrossOriginWhiteList | Where-Object { $_ })
        $merged = Join-WhiteList -Existing $existing -Requested $requested
        $changed = $merged.Count -ne $existing.Count
        if ($changed) { Set-QrsProperty -Entity $entity -Name 'websocketCrossOriginWhiteList' -Value $merged }
        if ($formWanted -and $entity.windowsAuthenticationEnabledDevicePattern -ne $FormLoginPattern) {
            $entity.windowsAuthenticationEnabledDevicePattern = $FormLoginPattern
            $changed = $true
        }
        $changed
    }
    if ($virtualProxy.Changed) { Write-QlikPhase 'default virtual proxy updated (host white list / login)' }

    Write-QlikResult ([ordered]@{
        allowHttp           = [bool]$proxy.Entity.settings.allowHttp
        proxyChanged        = $proxy.Changed
        hostWhiteList       = [string[]]@($virtualProxy.Entity.websocketCrossOriginWhiteList | Where-Object { $_ })
        formLogin           = ($virtualProxy.Entity.windowsAuthenticationEnabledDevicePattern -eq $FormLoginPattern)
        virtualProxyChanged = $virtualProxy.Changed
    })
}
