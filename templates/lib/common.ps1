# ---- lib/common.ps1 (inlined by the template loader where a script says "#@include lib/common.ps1") ----
# Shared by every script that Azure Run Command executes on the VM. Must stay Windows PowerShell 5.1
# compatible. It runs in the including script's scope, right after its param block.
#
# Output protocol read by the TypeScript side (Azure keeps only the LAST 4096 bytes of stdout):
#   ##qlik-azure[phase] <short text>       progress, one short line per step
#   ##qlik-azure[result] <one-line JSON>   exactly once, last, on success
#   stderr "qlik-azure: <message>" + non-zero exit code on failure
# Exit codes shared by all scripts: 1 unexpected error, 2 invalid parameter. Scripts add their own (>= 10).

$ErrorActionPreference = 'Stop'
# Windows PowerShell 5.1's extended type data for System.Array makes ConvertTo-Json write some arrays
# as {"value":[...],"Count":n}; without it they are plain JSON arrays (PowerShell 7 has none to remove).
Remove-TypeData -TypeName System.Array -ErrorAction SilentlyContinue
# Windows PowerShell 5.1 renders a progress bar per downloaded chunk, which slows downloads tenfold.
$ProgressPreference = 'SilentlyContinue'

$QlikExitUnexpected = 1
$QlikExitInvalidParameter = 2

# Parameters named *Password, *Key or *Url arrive as Run Command protected parameters (a *Url may be a
# SAS link, whose query grants access to a blob). Every line this script prints goes through
# Protect-QlikText so that none of their values can leak, even through an exception message that happens
# to quote one. A password or key prints as ***; a URL as its scheme, host and path (Format-QlikUrl),
# which says where a download came from, while its query, fragment and user info never print.
$QlikSecretNamePattern = '(Password|Key|Url)$'

# The part of a URL that may print: scheme://host[:port]/path, without user info, query or fragment.
# '' when Url is not an absolute URL (then none of it may print).
function Format-QlikUrl {
    param([string]$Url)
    $uri = $null
    if (-not [Uri]::TryCreate($Url, [UriKind]::Absolute, [ref]$uri)) { return '' }
    if ($uri.UserInfo) { return $uri.GetComponents([UriComponents]::SchemeAndServer -bor [UriComponents]::Path, [UriFormat]::UriEscaped) }
    $Url.Split([char[]]'?#')[0]
}

# The pieces of a URL that must never print, in each form a message may quote them: as sent, as the
# parsed Uri escapes them, and unescaped.
function Get-QlikUrlSecretPart {
    param([string]$Url)
    $uri = [Uri]$Url
    $hiddenStart = $Url.IndexOfAny([char[]]'?#')
    $parts = @($uri.UserInfo, $uri.Query.TrimStart('?'), $uri.Fragment.TrimStart('#'))
    if ($hiddenStart -ge 0) { $parts += $Url.Substring($hiddenStart + 1) }
    $parts + @($parts | Where-Object { $_ } | ForEach-Object { [Uri]::UnescapeDataString($_) }) |
        Where-Object { $_ }
}

# What replaces one secret parameter's value in printed text: Secret -> Mask pairs.
function Get-QlikSecretMask {
    param([string]$Name, [string]$Value)
    $display = if ($Name -match 'Url$') { Format-QlikUrl -Url $Value } else { '' }
    if (-not $display) { return @{ Secret = $Value; Mask = '***' } }
    if ($display -ne $Value) { @{ Secret = $Value; Mask = $display } }
    foreach ($part in @(Get-QlikUrlSecretPart -Url $Value)) { @{ Secret = $part; Mask = '***' } }
}

# Each mask also in the form ConvertTo-Json writes it (Windows PowerShell 5.1 writes & as \u0026, both
# versions double a backslash), so that a secret inside the result JSON is masked as well.
function Add-QlikJsonForm {
    param([hashtable[]]$Masks)
    foreach ($mask in $Masks) {
        $mask
        $jsonSecret = (ConvertTo-Json -InputObject $mask.Secret -Compress).Trim('"')
        if ($jsonSecret -cne $mask.Secret) { @{ Secret = $jsonSecret; Mask = (ConvertTo-Json -InputObject $mask.Mask -Compress).Trim('"') } }
    }
}

# Longest first: a whole URL gives way to its printable part before its query alone is masked, and a
# secret that contains another is masked whole.
$QlikSecretMasks = @(
    Add-QlikJsonForm -Masks @(
        $PSBoundParameters.GetEnumerator() |
            Where-Object { $_.Key -match $QlikSecretNamePattern -and -not [string]::IsNullOrEmpty([string]$_.Value) } |
            ForEach-Object { Get-QlikSecretMask -Name $_.Key -Value ([string]$_.Value) }
    ) | Sort-Object -Property @{ Expression = { $_.Secret.Length }; Descending = $true }
)

function Protect-QlikText {
    param([string]$Text)
    foreach ($mask in $QlikSecretMasks) {
        $Text = $Text.Replace($mask.Secret, $mask.Mask)
    }
    $Text
}

function Write-QlikPhase {
    param([string]$Text)
    Write-Host ('##qlik-azure[phase] ' + (Protect-QlikText -Text $Text))
}

function Write-QlikResult {
    param($Result)
    $json = ConvertTo-Json -InputObject $Result -Compress -Depth 6
    Write-Host ('##qlik-azure[result] ' + (Protect-QlikText -Text $json))
}

# Ends the script: one clean stderr line (Write-Error would add PowerShell's multi-line decoration in 5.1)
# and the exit code the TypeScript side maps to a diagnosis.
function Exit-QlikFailure {
    param([int]$Code, [string]$Message)
    [Console]::Error.WriteLine('qlik-azure: ' + (Protect-QlikText -Text $Message))
    exit $Code
}

# Runs the script body; anything it did not anticipate still ends with the documented protocol.
# (exit is not an exception PowerShell's catch sees, so Exit-QlikFailure inside the body passes through.)
function Invoke-QlikMain {
    param([scriptblock]$Body)
    try {
        & $Body
    } catch {
        Exit-QlikFailure -Code $QlikExitUnexpected -Message ('unexpected error: ' + $_.Exception.Message)
    }
    exit 0
}

function Assert-QlikRequired {
    param([string]$Name, [string]$Value)
    if ([string]::IsNullOrWhiteSpace($Value)) {
        Exit-QlikFailure -Code $QlikExitInvalidParameter -Message "parameter -$Name is required"
    }
}

# Run Command passes every parameter as a string, so numbers are declared [string] and checked here
# (a typed parameter would fail in the binder with an unhelpful message).
function ConvertTo-QlikInteger {
    param([string]$Name, [string]$Value, [int]$Minimum, [int]$Maximum)
    $number = 0
    if (-not [int]::TryParse($Value.Trim(), [ref]$number) -or $number -lt $Minimum -or $number -gt $Maximum) {
        Exit-QlikFailure -Code $QlikExitInvalidParameter -Message "parameter -$Name must be a whole number from $Minimum to $Maximum, got '$Value'"
    }
    $number
}

# Display names of installed Qlik Sense releases and patches as Programs and Features shows them, e.g.
# 'Qlik Sense May 2025', 'Qlik Sense May 2025 Patch 2'. Releases are named "<month> <year>"; other Qlik
# entries (e.g. extension bundles) are not releases. Both registry views are read.
function Get-QlikInstalledRelease {
    $uninstallKeys = @(
        'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
        'HKLM:\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*'
    )
    @(
        Get-ItemProperty -Path $uninstallKeys -ErrorAction SilentlyContinue |
            Where-Object { $_.PSObject.Properties['DisplayName'] -and $_.DisplayName -match '^Qlik Sense [A-Za-z]+ \d{4}( Patch \d+)?$' } |
            ForEach-Object { $_.DisplayName } |
            Sort-Object -Unique
    )
}
# ---- end of lib/common.ps1 ----
