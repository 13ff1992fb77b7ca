# ---- qlik/qrs.ps1 (inlined by the template loader where a script says "#@include qlik/qrs.ps1") ----
# Client for the Qlik Repository Service (QRS) REST API on its certificate-authenticated port 4242,
# as used by the step scripts 41-45 and 48. Needs lib/common.ps1 (included before this file).
# Windows PowerShell 5.1 compatible: System.Net.HttpWebRequest, because Invoke-RestMethod in 5.1 has
# no per-request certificate validation and PowerShell 7's ignores ServicePointManager callbacks.
#
# Every call carries: the Qlik client certificate (CN=QlikClient), a fresh 16-character xrfkey as
# query parameter AND X-Qlik-Xrfkey header (QRS's CSRF check), X-Qlik-User of the repository's API
# service identity, TLS 1.2 or later. The server certificate must chain to the Qlik site CA — it is
# not blindly accepted.
#
# Exit codes added by this library (shared by all QRS step scripts):
#   20 repository not reachable or still starting after the retry budget
#   21 QRS refused a request (HTTP 4xx/5xx other than a retried 409/503)
#   22 the entity kept changing under us (409 Conflict twice in a row)
#   23 Qlik client certificate or site CA certificate not found on the machine, or the server's
#      certificate is not issued by that CA

$QrsExitNotReady = 20
$QrsExitRequestFailed = 21
$QrsExitConflict = 22
$QrsExitCertificate = 23

$QrsUserHeader = 'UserDirectory=INTERNAL; UserId=sa_api'
$QrsRequestTimeoutMs = 60000
# How long one call keeps retrying while the repository is starting (connection refused / 503).
$QrsTransientBudgetSeconds = 120
$QrsClient = $null

# The hostname Qlik issued its node certificates for: Host.cfg holds it base64-encoded; the machine
# name is what the installer uses when hostname= is left blank.
function Get-QlikHostName {
    $hostConfig = Join-Path $env:ProgramData 'Qlik\Sense\Host.cfg'
    if (Test-Path -LiteralPath $hostConfig) {
        $encoded = (Get-Content -LiteralPath $hostConfig -Raw).Trim()
        return [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($encoded))
    }
    $env:COMPUTERNAME
}

# The client certificate Qlik installs for its services (FriendlyName/subject QlikClient). It lives in
# the service account's personal store; LocalMachine is searched too for machines set up that way.
function Get-QlikClientCertificate {
    foreach ($store in 'Cert:\CurrentUser\My', 'Cert:\LocalMachine\My') {
        $found = Get-ChildItem -Path $store -ErrorAction SilentlyContinue |
            Where-Object { $_.HasPrivateKey -and ($_.FriendlyName -eq 'QlikClient' -or $_.Subject -eq 'CN=QlikClient') } |
            Select-Object -First 1
        if ($found) { return $found }
    }
    $null
}

# The site's root CA, which Qlik names "<hostname>-CA" and puts in LocalMachine\Root.
function Get-QlikRootCertificate {
    param([string]$HostName)
    Get-ChildItem -Path 'Cert:\LocalMachine\Root' -ErrorAction SilentlyContinue |
        Where-Object { $_.Subject -eq "CN=$HostName-CA" } |
        Select-Object -First 1
}

# Server certificate check pinned to the Qlik CA. Compiled C# because a PowerShell script block used
# as this callback runs on a thread without a runspace and fails on PowerShell 7.
function Get-QrsCertificateValidator {
    param([System.Security.Cryptography.X509Certificates.X509Certificate2]$CaCertificate)
    if (-not ('QlikAzure.QrsTrust' -as [type])) {
        Add-Type -TypeDefinition @'
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
namespace QlikAzure {
    public static class QrsTrust {
        public static RemoteCertificateValidationCallback IssuedBy(X509Certificate2 ca) {
            return delegate (object sender, X509Certificate certificate, X509Chain chain, SslPolicyErrors errors) {
                if (certificate == null) return false;
                if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                X509Chain own = new X509Chain();
                own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                own.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                own.ChainPolicy.ExtraStore.Add(ca);
                if (!own.Build(new X509Certificate2(certificate))) return false;
                X509ChainElement root = own.ChainElements[own.ChainElements.Count - 1];
                return root.Certificate.Thumbprint == ca.Thumbprint;
            };
        }
    }
}
'@
    }
    [QlikAzure.QrsTrust]::IssuedBy($CaCertificate)
}

# Call once per script. BaseUrl '' means this node's repository: https://<Qlik hostname>:4242
# (the name in Qlik's server certificate, so the hostname check can stay on). The repository creates
# the Qlik certificates on its first start, so right after the install they may not exist yet:
# CertificateWaitSeconds lets step 41 wait for them.
function Initialize-QrsClient {
    param([string]$BaseUrl, [int]$CertificateWaitSeconds = 0, [int]$PollMilliseconds = 2000)
    $hostName = Get-QlikHostName
    if ([string]::IsNullOrWhiteSpace($BaseUrl)) { $BaseUrl = "https://${hostName}:4242" }
    $deadline = [DateTime]::UtcNow.AddSeconds($CertificateWaitSeconds)
    $reported = $false
    while ($true) {
        $clientCertificate = Get-QlikClientCertificate
        $caCertificate = Get-QlikRootCertificate -HostName $hostName
        if (($clientCertificate -and $caCertificate) -or [DateTime]::UtcNow -ge $deadline) { break }
        if (-not $reported) {
            Write-QlikPhase 'waiting for the repository to create the Qlik certificates'
            $reported = $true
        }
        Start-Sleep -Milliseconds $PollMilliseconds
    }
    if (-not $clientCertificate) {
        Exit-QlikFailure -Code $QrsExitCertificate -Message 'Qlik client certificate (QlikClient) not found in CurrentUser\My or LocalMachine\My: run this step as the Qlik service account, or check that Qlik Sense finished installing'
    }
    if (-not $caCertificate) {
        Exit-QlikFailure -Code $QrsExitCertificate -Message "Qlik site CA 'CN=$hostName-CA' not found in LocalMachine\Root: check that Qlik Sense finished installing with hostname=$hostName"
    }
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    $script:QrsClient = [pscustomobject]@{
        BaseUrl           = $BaseUrl.TrimEnd('/')
        ClientCertificate = $clientCertificate
        Validator         = Get-QrsCertificateValidator -CaCertificate $caCertificate
    }
}

# 16 characters of [0-9a-zA-Z] from a cryptographic source, fresh for every call.
function New-QrsXrfKey {
    $alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
    $bytes = New-Object byte[] 16
    $random = [Security.Cryptography.RandomNumberGenerator]::Create()
    $random.GetBytes($bytes)
    $random.Dispose()
    -join ($bytes | ForEach-Object { $alphabet[$_ % $alphabet.Length] })
}

# One HTTP exchange. Never throws for an HTTP status: returns Status (0 when no HTTP answer came),
# the response Text, and Problem (a one-line description for messages).
function Send-QrsRequest {
    param([string]$Method, [string]$Path, [hashtable]$Query = @{}, $Body = $null)
    $xrfkey = New-QrsXrfKey
    $pairs = @("xrfkey=$xrfkey")
    foreach ($name in $Query.Keys) { $pairs += ($name + '=' + [Uri]::EscapeDataString([string]$Query[$name])) }
    $request = [Net.HttpWebRequest]::Create("$($QrsClient.BaseUrl)/qrs/$Path" + '?' + ($pairs -join '&'))
    $request.Method = $Method
    $request.Timeout = $QrsRequestTimeoutMs
    $request.Accept = 'application/json'
    $request.Headers.Add('X-Qlik-Xrfkey', $xrfkey)
    $request.Headers.Add('X-Qlik-User', $QrsUserHeader)
    $request.ServerCertificateValidationCallback = $QrsClient.Validator
    [void]$request.ClientCertificates.Add($QrsClient.ClientCertificate)
    try {
        if ($null -ne $Body) {
            $bytes = [Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject $Body -Depth 20 -Compress))
            $request.ContentType = 'application/json'
            $request.ContentLength = $bytes.Length
            $stream = $request.GetRequestStream()
            $stream.Write($bytes, 0, $bytes.Length)
            $stream.Close()
        }
        $response = $request.GetResponse()
    } catch {
        # An HTTP error status arrives as a WebException carrying the response (PowerShell wraps it
        # in MethodInvocationException); without a response nothing answered at HTTP level.
        $response = Get-QrsErrorResponse -Exception $_.Exception
        if (-not $response) {
            return [pscustomobject]@{
                Status = 0; Text = ''; Problem = (Get-QrsTransportProblem -Exception $_.Exception)
                TlsRejected = (Test-QrsTlsFailure -Exception $_.Exception)
            }
        }
    }
    $reader = New-Object IO.StreamReader -ArgumentList $response.GetResponseStream(), ([Text.Encoding]::UTF8)
    $text = $reader.ReadToEnd()
    $reader.Close()
    $status = [int]$response.StatusCode
    $response.Close()
    [pscustomobject]@{ Status = $status; Text = $text; Problem = "HTTP $status"; TlsRejected = $false }
}

function Get-QrsErrorResponse {
    param([Exception]$Exception)
    for ($current = $Exception; $current; $current = $current.InnerException) {
        if ($current -is [Net.WebException] -and $current.Response) { return $current.Response }
    }
    $null
}

# The server's certificate did not pass the check against the Qlik CA (.NET Framework reports a
# TrustFailure; .NET reports an AuthenticationException).
function Test-QrsTlsFailure {
    param([Exception]$Exception)
    for ($current = $Exception; $current; $current = $current.InnerException) {
        if ($current -is [Security.Authentication.AuthenticationException]) { return $true }
        if ($current -is [Net.WebException] -and $current.Status -in 'TrustFailure', 'SecureChannelFailure') { return $true }
    }
    $false
}

# The innermost message says what happened (refused, timed out, certificate rejected).
function Get-QrsTransportProblem {
    param([Exception]$Exception)
    while ($Exception.InnerException) { $Exception = $Exception.InnerException }
    $Exception.Message
}

# Connection-level failures and 503 are what a starting repository produces.
function Test-QrsTransient {
    param($Response)
    ($Response.Status -eq 0 -and -not $Response.TlsRejected) -or $Response.Status -eq 503
}

# Sends until the repository answers for real or BudgetSeconds pass: connection failures and 503
# are retried after DelayMs, doubling up to MaxDelayMs. With -ReportProgress, a progress line when the
# reason for waiting changes and at most one a minute otherwise (Azure keeps only 4096 bytes of output).
function Send-QrsRequestPatiently {
    param([string]$Method = 'GET', [string]$Path, [hashtable]$Query = @{}, $Body = $null,
        [int]$BudgetSeconds = $QrsTransientBudgetSeconds, [int]$DelayMs = 500, [int]$MaxDelayMs = 5000, [switch]$ReportProgress)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $lastProblem = ''
    $lastReport = 0
    while ($true) {
        $response = Send-QrsRequest -Method $Method -Path $Path -Query $Query -Body $Body
        if ($response.TlsRejected) {
            Exit-QlikFailure -Code $QrsExitCertificate -Message "the server at $($QrsClient.BaseUrl) presented a certificate that is not issued by the Qlik site CA for this hostname ($($response.Problem)); check QrsUrl and the Qlik certificates"
        }
        if (-not (Test-QrsTransient -Response $response) -or $clock.Elapsed.TotalSeconds -ge $BudgetSeconds) { return $response }
        $elapsed = [int]$clock.Elapsed.TotalSeconds
        if ($ReportProgress -and ($response.Problem -ne $lastProblem -or $elapsed - $lastReport -ge 60)) {
            Write-QlikPhase "repository not ready after $elapsed s: $($response.Problem)"
            $lastProblem = $response.Problem
            $lastReport = $elapsed
        }
        Start-Sleep -Milliseconds $DelayMs
        $DelayMs = [Math]::Min($DelayMs * 2, $MaxDelayMs)
    }
}

# A QRS call that waits out a starting repository, then ends the script on any failure other than
# the statuses the caller handles itself (-Accept). Returns the response; Json is the parsed body
# ($null for "null" or an empty body).
function Invoke-QrsRequest {
    param([string]$Method = 'GET', [string]$Path, [hashtable]$Query = @{}, $Body = $null, [int[]]$Accept = @())
    $response = Send-QrsRequestPatiently -Method $Method -Path $Path -Query $Query -Body $Body
    $ok = $response.Status -ge 200 -and $response.Status -lt 300
    if (-not $ok -and $Accept -notcontains $response.Status) {
        # The query is left out on purpose: license calls carry the control number there.
        $what = "QRS $Method /qrs/$Path"
        if (Test-QrsTransient -Response $response) {
            Exit-QlikFailure -Code $QrsExitNotReady -Message "$what did not get an answer within $QrsTransientBudgetSeconds s ($($response.Problem)): the repository service is not running or still starting"
        }
        $detail = $response.Text -replace '\s+', ' '
        if ($detail.Length -gt 200) { $detail = $detail.Substring(0, 200) + '...' }
        Exit-QlikFailure -Code $QrsExitRequestFailed -Message "$what failed with $($response.Problem): $detail"
    }
    $json = $null
    if ($ok -and $response.Text.Trim() -ne '') { $json = ConvertFrom-Json -InputObject $response.Text }
    $response | Add-Member -NotePropertyName Json -NotePropertyValue $json -PassThru
}

# GET of one entity (or singleton such as /qrs/about), parsed.
function Get-QrsEntity {
    param([string]$Path, [hashtable]$Query = @{})
    (Invoke-QrsRequest -Method GET -Path $Path -Query $Query).Json
}

# Writes the matching entities one by one; wrap the call in @() for an array.
function Find-QrsEntity {
    param([string]$Collection, [string]$Filter)
    $found = (Invoke-QrsRequest -Method GET -Path $Collection -Query @{ filter = $Filter }).Json
    # Windows PowerShell 5.1 hands a parsed JSON array over as one object; unroll it explicitly.
    foreach ($entity in $found) { $entity }
}

function New-QrsEntity {
    param([string]$Collection, $Body, [hashtable]$Query = @{})
    (Invoke-QrsRequest -Method POST -Path $Collection -Query $Query -Body $Body).Json
}

# QRS's concurrency rule: GET the entity, change it, PUT it back whole with the modifiedDate from the
# GET; a 409 means someone changed it in between, so read again and re-apply once.
# Change is a script block receiving the entity; it edits it in place and returns $true when it
# changed anything. Nothing is written when it returns $false (what makes re-runs write nothing).
# Returns @{ Entity; Changed }.
function Update-QrsEntity {
    param([string]$Path, [scriptblock]$Change, [hashtable]$Query = @{})
    for ($attempt = 1; $attempt -le 2; $attempt++) {
        $entity = Get-QrsEntity -Path $Path
        $changed = [bool](& $Change $entity)
        if (-not $changed) { return [pscustomobject]@{ Entity = $entity; Changed = $false } }
        $put = Invoke-QrsRequest -Method PUT -Path $Path -Query $Query -Body $entity -Accept @(409)
        if ($put.Status -ne 409) { return [pscustomobject]@{ Entity = $put.Json; Changed = $true } }
        Write-QlikPhase "/qrs/$Path changed while we edited it; reading it again"
    }
    Exit-QlikFailure -Code $QrsExitConflict -Message "QRS PUT /qrs/$Path conflicted twice (409): something else keeps changing it; run the step again"
}

# The QRS user for a Windows account. Local accounts appear in QRS only after their first login
# (user directory = machine name); creating the entity up front is what Qlik's own automation does,
# and the login later matches it by userId + userDirectory. Returns @{ User; Created }.
function Resolve-QrsUser {
    param([string]$UserId, [string]$UserDirectory)
    $filter = 'userId eq ' + (ConvertTo-QrsLiteral $UserId) + ' and userDirectory eq ' + (ConvertTo-QrsLiteral $UserDirectory)
    $existing = @(Find-QrsEntity -Collection 'user' -Filter $filter) | Select-Object -First 1
    if ($existing) { return [pscustomobject]@{ User = $existing; Created = $false } }
    Write-QlikPhase "creating the QRS user $UserDirectory\$UserId"
    $created = New-QrsEntity -Collection 'user' -Body @{ userId = $UserId; userDirectory = $UserDirectory; name = $UserId }
    [pscustomobject]@{ User = $created; Created = $true }
}

# Adds or replaces a property on a parsed JSON object (QRS may omit properties that are unset).
# The value is stored unwrapped: Windows PowerShell 5.1 serializes a PSObject-wrapped array (one that
# came out of a pipeline) as {"value":[...],"Count":n} instead of [...].
function Set-QrsProperty {
    param($Entity, [string]$Name, $Value)
    if ($null -ne $Value) { $Value = $Value.PSObject.BaseObject }
    if ($Entity.PSObject.Properties[$Name]) { $Entity.$Name = $Value }
    else { $Entity | Add-Member -NotePropertyName $Name -NotePropertyValue $Value }
}

# Run Command passes every parameter as a string; switches are "true" or "false".
function ConvertTo-QlikBoolean {
    param([string]$Name, [string]$Value)
    switch ($Value.Trim().ToLowerInvariant()) {
        'true' { return $true }
        'false' { return $false }
    }
    Exit-QlikFailure -Code $QlikExitInvalidParameter -Message "parameter -$Name must be true or false, got '$Value'"
}

# Quoted literal for a QRS filter: 'O''Brien'.
function ConvertTo-QrsLiteral {
    param([string]$Value)
    "'" + $Value.Replace("'", "''") + "'"
}
# ---- end of qlik/qrs.ps1 ----
