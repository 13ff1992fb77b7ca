# Helpers for the Pester suites of the QRS step scripts (templates/qlik/*.ps1): run the fake QRS server
# (src/simulator/qrs, built into dist/) as a child process, read what it recorded, and load the
# certificates it issued. Expanding and running the steps is TestHelpers.psm1's Export-/Invoke-Template.

$RepositoryRoot = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../..'))
$FakeQrsCli = Join-Path $RepositoryRoot 'dist/simulator/qrs/cli.js'

# Starts the fake QRS; extra CLI arguments such as '--not-ready-ms', 'forever'. The fake lives until
# Stop-FakeQrs closes its stdin.
function Start-FakeQrs {
    param([string[]]$Arguments = @())
    if (-not (Test-Path $FakeQrsCli)) { throw "$FakeQrsCli is missing: build first with 'npx tsc -p tsconfig.json'" }
    $start = [Diagnostics.ProcessStartInfo]::new((Get-Command node).Source)
    $start.ArgumentList.Add($FakeQrsCli)
    foreach ($argument in $Arguments) { $start.ArgumentList.Add($argument) }
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($start)
    $info = $process.StandardOutput.ReadLine() | ConvertFrom-Json
    $info | Add-Member -NotePropertyName Process -NotePropertyValue $process -PassThru
}

function Stop-FakeQrs {
    param($Fake)
    $Fake.Process.StandardInput.Close()
    if (-not $Fake.Process.WaitForExit(5000)) { $Fake.Process.Kill() }
}

# AfterAll of a suite set up by Use-FakeQrs.ps1.
function Stop-FakeQrsSuite {
    param($Fake)
    Stop-FakeQrs -Fake $Fake
    Remove-CommandStub
}

# Control routes of the fake (test-only, loopback; the fake's CA is not in this process's trust store).
function Invoke-FakeQrsControl {
    param($Fake, [string]$Method = 'GET', [string]$Route, $Body = $null)
    $arguments = @{ Method = $Method; Uri = "$($Fake.url)/$Route"; SkipCertificateCheck = $true }
    if ($null -ne $Body) { $arguments.Body = ($Body | ConvertTo-Json -Compress); $arguments.ContentType = 'application/json' }
    Invoke-RestMethod @arguments
}

# Writes the recorded calls one by one (Invoke-RestMethod hands a JSON array over as one object).
function Get-FakeQrsCall {
    param($Fake)
    foreach ($call in (Invoke-FakeQrsControl -Fake $Fake -Route '__calls')) { $call }
}

function Get-FakeQrsEntity {
    param($Fake)
    Invoke-FakeQrsControl -Fake $Fake -Route '__entities'
}

# -Change @{ reset = $true } | @{ notReadyMs = 1500 } | @{ concurrentEditAfterGet = 'proxyservice' }
function Set-FakeQrs {
    param($Fake, [hashtable]$Change)
    $null = Invoke-FakeQrsControl -Fake $Fake -Method POST -Route '__control' -Body $Change
}

function Get-FakeQrsClientCertificate {
    param($Fake)
    [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile($Fake.clientCertFile, $Fake.clientKeyFile)
}

function Get-FakeQrsCaCertificate {
    param($Fake)
    [Security.Cryptography.X509Certificates.X509Certificate2]::new($Fake.caFile)
}

# A copy of Base with Override's entries replacing or adding to it.
function Join-StepParameter {
    param([hashtable]$Base, [hashtable]$Override)
    $joined = $Base.Clone()
    foreach ($name in $Override.Keys) { $joined[$name] = $Override[$name] }
    $joined
}

# Runs a step twice with the same parameters (the idempotency check) and returns both runs plus the
# calls of the second one. Invoke-Template runs in the caller's scope, so it is passed in, not imported.
function Invoke-StepTwice {
    param([scriptblock]$Run, $Fake)
    $first = & $Run
    $before = @(Get-FakeQrsCall -Fake $Fake).Count
    $second = & $Run
    [pscustomobject]@{ First = $first; Second = $second; SecondCalls = @(Get-FakeQrsCall -Fake $Fake | Select-Object -Skip $before) }
}

# Calls that change the repository.
function Select-QrsWrite {
    param([object[]]$Calls)
    @($Calls | Where-Object { $_.method -in 'POST', 'PUT', 'DELETE' })
}

Export-ModuleMember -Function Start-FakeQrs, Stop-FakeQrs, Stop-FakeQrsSuite, Invoke-StepTwice, Get-FakeQrsCall, Get-FakeQrsEntity,
    Set-FakeQrs, Get-FakeQrsClientCertificate, Get-FakeQrsCaCertificate, Join-StepParameter, Select-QrsWrite
