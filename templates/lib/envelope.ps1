<#
envelope.ps1 — the script text Azure Run Command really runs. The wrapper (src/azure/script-envelope.ts)
puts one expanded template where the #@template line is, and sends exactly two parameters:

  -QlikInputs           plain parameter       base64url (RFC 4648 section 5, no padding) of UTF-8 JSON {name: string}
  -QlikProtectedInputs  protected parameter   the same, for the inputs whose names end in Password, Key or Url

Why: Windows Run Command starts `script.ps1 -Name value ...` unquoted through a cmd.exe layer, so a value
with a blank splits and binds the next word by position, `&` ends the command and `^ %` are eaten
(Azure/azure-cli#25042, Azure/azure-powershell#7269, #29880, MicrosoftDocs/azure-docs#80366). A base64url
value holds only [A-Za-z0-9_-], which no layer changes. PositionalBinding = $false makes a stray word (what a
split value would leave) fail loudly instead of binding somewhere.

The envelope decodes both inputs, refuses names the template does not declare (exit 2), and runs the
template with them splatted by name, so every template keeps its own param block ($PSBoundParameters, and
the masking of lib/common.ps1 built on it, work as when the template runs on its own). The template is
dot-sourced: its top level becomes this script's scope, as when it runs as its own file ($script:
variables, `exit N` as this process's exit code).

Identity. Run Command runs this as LocalSystem; no runAsUser (its output is reported empty:
Azure/azure-powershell#22255, MicrosoftDocs/azure-docs#108621). When the inputs carry QlikRunAsAccount and
(protected) QlikRunAsPassword, the template runs as that local account instead, through a one-shot
scheduled task like the installer in install-qlik.ps1: the QRS step scripts need the Qlik service account,
because QRS accepts only Qlik's client certificate, which the installer puts into that account's
CurrentUser\My store (with its private key). The same certificate is exported as PEM files under
"...\Exported Certificates\.Local Certificates", but .NET Framework 4.x (Windows PowerShell 5.1) cannot
load a PEM private key without hand-written ASN.1 parsing, so we do not go that way. The run folder
($env:ProgramData\qlik-azure\run\<id>, readable by SYSTEM, Administrators and the account only) holds a
copy of this script, the plain inputs and the protected inputs encrypted with DPAPI (LocalMachine scope);
the task runs `powershell.exe -NoProfile -ExecutionPolicy Bypass -File <copy> -QlikRunFolder <folder>`
with stdout/stderr redirected to files in the folder; this script relays both and the exit code, and always
unregisters the task and deletes the folder. QlikRunAsTimeoutSeconds bounds the wait.

Large inputs. cmd.exe takes at most 8191 characters, which a PFX or a LEF can exceed once encoded. Then
the wrapper stages the protected inputs' JSON as a private blob, and -QlikProtectedInputs holds only
QlikInputsUrl, a short read-only SAS link to it (inside base64url, so its & and % survive), which this
script downloads (TLS 1.2) before anything else.

Exit codes of the envelope itself (the template's own pass through unchanged): 2 inputs not decodable or
not declared by the template; 3 Task Scheduler refused to run the template as the account (missing account
or wrong password); 4 the template did not finish within QlikRunAsTimeoutSeconds as the account (stopped);
5 the staged inputs could not be downloaded.
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [string]$QlikInputs = '',
    [string]$QlikProtectedInputs = '',
    # Only for the copy the scheduled task runs: the run folder holding the inputs. Run Command never sends it.
    [string]$QlikRunFolder = ''
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$QlikEnvelopeTemplate = {
#@template
}

$QlikEnvelopeExitInvalidInput = 2
$QlikEnvelopeExitLogon = 3
$QlikEnvelopeExitTimedOut = 4
$QlikEnvelopeExitStagedInputs = 5
$QlikEnvelopeStagedName = 'QlikInputsUrl'
# Inputs for the envelope itself, not the template.
$QlikEnvelopeRunAsNames = @('QlikRunAsAccount', 'QlikRunAsPassword', 'QlikRunAsTimeoutSeconds')
$QlikEnvelopeSecretNamePattern = '(Password|Key|Url)$'
$QlikEnvelopeTaskPrefix = 'qlik-azure run '
# LastTaskResult before the task's first run (SCHED_S_TASK_HAS_NOT_RUN) and while it runs (SCHED_S_TASK_RUNNING).
$QlikEnvelopeTaskNotRunYet = 267011
$QlikEnvelopeTaskRunning = 267009
$QlikEnvelopePollSeconds = 2

function Stop-QlikEnvelope {
    param([int]$Code, [string]$Message)
    [Console]::Error.WriteLine('qlik-azure: ' + $Message)
    exit $Code
}

# {name: string} from base64url UTF-8 JSON; '' is no inputs. Anything else ends the run with exit code 2.
function ConvertFrom-QlikEnvelopeInput {
    param([string]$Name, [string]$Encoded)
    $inputs = @{}
    if ($Encoded -eq '') { return $inputs }
    if ($Encoded -notmatch '^[A-Za-z0-9_-]+$') {
        Stop-QlikEnvelope -Code $QlikEnvelopeExitInvalidInput -Message "-$Name is not base64url: it was changed on its way to the VM, or not written by qlik-azure"
    }
    $base64 = $Encoded.Replace('-', '+').Replace('_', '/')
    $base64 += '=' * ((4 - $base64.Length % 4) % 4)
    try {
        $object = ConvertFrom-QlikJson -Json ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($base64)))
    } catch {
        Stop-QlikEnvelope -Code $QlikEnvelopeExitInvalidInput -Message "-$Name does not hold base64url UTF-8 JSON"
    }
    foreach ($property in $object.PSObject.Properties) {
        if ($property.Value -isnot [string]) {
            Stop-QlikEnvelope -Code $QlikEnvelopeExitInvalidInput -Message "input '$($property.Name)' in -$Name is not a string"
        }
        $inputs[$property.Name] = $property.Value
    }
    $inputs
}

function ConvertFrom-QlikJson {
    param([string]$Json)
    # PowerShell 7 would turn ISO date strings into DateTime; 5.1 (the VM's) has no such option and does not.
    $convert = @{}
    if ((Get-Command -Name ConvertFrom-Json).Parameters.ContainsKey('DateKind')) { $convert.DateKind = 'String' }
    ConvertFrom-Json -InputObject $Json @convert
}

# A JSON object of strings written by this script into the run folder, as a hashtable.
function Read-QlikRunInput {
    param([string]$Json)
    $inputs = @{}
    foreach ($property in (ConvertFrom-QlikJson -Json $Json).PSObject.Properties) { $inputs[$property.Name] = [string]$property.Value }
    $inputs
}

# The protected inputs a staged blob holds, in place of the link to it; the link never prints beyond host and path.
function Get-QlikStagedInput {
    param([hashtable]$Protected)
    $url = $Protected[$QlikEnvelopeStagedName]
    $where = $url.Split([char[]]'?#')[0]
    # Windows PowerShell 5.1 may still default to TLS 1.0, which Azure Storage refuses.
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    try {
        $response = Invoke-WebRequest -Uri $url -UseBasicParsing
        $staged = Read-QlikRunInput -Json ([Text.Encoding]::UTF8.GetString($response.RawContentStream.ToArray()))
    } catch {
        $reason = $_.Exception.Message.Replace($url, $where)
        Stop-QlikEnvelope -Code $QlikEnvelopeExitStagedInputs -Message "could not read the staged inputs from ${where}: $($reason.Split([char[]]'?')[0])"
    }
    $inputs = @{} + $Protected
    $inputs.Remove($QlikEnvelopeStagedName)
    foreach ($name in $staged.Keys) { $inputs[$name] = $staged[$name] }
    $inputs
}

# The template's parameters, plain and protected together; refuses what the template would not bind.
function Get-QlikEnvelopeArgument {
    param([hashtable]$Plain, [hashtable]$Protected)
    $declared = @($QlikEnvelopeTemplate.Ast.ParamBlock.Parameters | ForEach-Object { $_.Name.VariablePath.UserPath })
    $arguments = @{}
    foreach ($name in $Plain.Keys) {
        if ($name -match $QlikEnvelopeSecretNamePattern) {
            Stop-QlikEnvelope -Code $QlikEnvelopeExitInvalidInput -Message "input '$name' arrived in -QlikInputs; secrets must come in -QlikProtectedInputs"
        }
    }
    foreach ($pair in @($Plain, $Protected)) {
        foreach ($name in $pair.Keys) {
            if ($QlikEnvelopeRunAsNames -contains $name) { continue }
            if ($declared -notcontains $name) {
                Stop-QlikEnvelope -Code $QlikEnvelopeExitInvalidInput -Message "input '$name' is not a parameter of this script (it declares: $($declared -join ', '))"
            }
            if ($arguments.ContainsKey($name)) {
                Stop-QlikEnvelope -Code $QlikEnvelopeExitInvalidInput -Message "input '$name' arrived both plain and protected"
            }
            $arguments[$name] = $pair[$name]
        }
    }
    $arguments
}

# DPAPI with LocalMachine scope: SYSTEM encrypts, the account's task decrypts; the files never hold secrets in clear.
function Protect-QlikRunInput {
    param([byte[]]$Bytes)
    Add-Type -AssemblyName System.Security
    [Security.Cryptography.ProtectedData]::Protect($Bytes, $null, [Security.Cryptography.DataProtectionScope]::LocalMachine)
}

function Unprotect-QlikRunInput {
    param([byte[]]$Bytes)
    Add-Type -AssemblyName System.Security
    [Security.Cryptography.ProtectedData]::Unprotect($Bytes, $null, [Security.Cryptography.DataProtectionScope]::LocalMachine)
}

# Only SYSTEM (S-1-5-18), Administrators (S-1-5-32-544) and the account may open the run folder.
function Protect-QlikRunFolder {
    param([string]$Path, [string]$Account)
    $output = & icacls.exe $Path /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' "${Account}:(OI)(CI)M" 2>&1
    if ($LASTEXITCODE -ne 0) { throw "icacls could not protect ${Path}: $output" }
}

# Whether the envelope that made a run folder still runs (its process id is in owner.pid). Another run
# command may be running as the account at the same time (steps 42 and 45 can run in parallel); a folder
# without owner.pid is one being set up right now, unless it is older than that takes.
function Test-QlikRunOwned {
    param([IO.DirectoryInfo]$Folder)
    $owner = Join-Path $Folder.FullName 'owner.pid'
    if (-not (Test-Path -LiteralPath $owner)) { return $Folder.CreationTimeUtc -gt [DateTime]::UtcNow.AddMinutes(-10) }
    $id = 0
    [int]::TryParse([IO.File]::ReadAllText($owner).Trim(), [ref]$id) -and [bool](Get-Process -Id $id -ErrorAction SilentlyContinue)
}

# A run cut short (Run Command kills a script that outlives its timeout, without running finally blocks)
# leaves its task and folder: removed here, unless their envelope or their task still runs.
function Clear-QlikRunLeftover {
    param([string]$Root)
    $kept = @{}
    $folders = @(Get-ChildItem -LiteralPath $Root -Directory -ErrorAction SilentlyContinue)
    foreach ($folder in $folders) {
        if (Test-QlikRunOwned -Folder $folder) { $kept[$folder.Name] = $true }
    }
    foreach ($task in @(Get-ScheduledTask -TaskName "$QlikEnvelopeTaskPrefix*" -ErrorAction SilentlyContinue)) {
        $id = $task.TaskName.Substring($QlikEnvelopeTaskPrefix.Length)
        if ($kept.ContainsKey($id) -or "$($task.State)" -eq 'Running' -or "$($task.State)" -eq 'Queued') { $kept[$id] = $true; continue }
        Unregister-ScheduledTask -TaskName $task.TaskName -Confirm:$false
    }
    foreach ($folder in $folders) {
        if (-not $kept.ContainsKey($folder.Name)) { Remove-Item -LiteralPath $folder.FullName -Recurse -Force }
    }
}

function Test-QlikRunTaskFinished {
    param([string]$TaskName)
    $state = "$((Get-ScheduledTask -TaskName $TaskName).State)"
    $result = [long](Get-ScheduledTaskInfo -TaskName $TaskName).LastTaskResult
    $state -ne 'Running' -and $state -ne 'Queued' -and $result -ne $QlikEnvelopeTaskNotRunYet -and $result -ne $QlikEnvelopeTaskRunning
}

# What the task's run has written to Path so far ('' before anything); its cmd.exe may still hold the file open.
function Read-QlikRunStream {
    param([string]$Path)
    if (-not (Test-Path -LiteralPath $Path)) { return '' }
    $stream = New-Object IO.FileStream($Path, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::ReadWrite)
    try { (New-Object IO.StreamReader($stream, [Text.Encoding]::UTF8)).ReadToEnd() } finally { $stream.Dispose() }
}

# Relays the stdout lines the task's run wrote after the first Relayed characters, through Write-Host as the
# templates print (so that Run Command's instance view shows its progress while it runs); only complete
# lines, unless Final, which also relays stderr. Returns how many characters are relayed now.
function Send-QlikRunOutput {
    param([string]$Folder, [int]$Relayed = 0, [switch]$Final)
    $text = Read-QlikRunStream -Path (Join-Path $Folder 'stdout.txt')
    $end = if ($Final) { $text.Length } else { $text.LastIndexOf("`n") + 1 }
    if ($end -gt $Relayed) {
        foreach ($line in ($text.Substring($Relayed, $end - $Relayed) -split '\r?\n')) { if ($line) { Write-Host $line } }
    }
    if ($Final) { [Console]::Error.Write((Read-QlikRunStream -Path (Join-Path $Folder 'stderr.txt'))) }
    [Math]::Max($Relayed, $end)
}

# Runs the template as Account through a one-shot scheduled task; relays its output; returns its exit code.
function Invoke-QlikAsAccount {
    param([hashtable]$Plain, [hashtable]$Protected)
    $account = $Plain['QlikRunAsAccount']
    if (-not $account.Contains('\')) { $account = "$env:COMPUTERNAME\$account" }
    $timeoutSeconds = 0
    if (-not [int]::TryParse([string]$Plain['QlikRunAsTimeoutSeconds'], [ref]$timeoutSeconds) -or $timeoutSeconds -lt 1) { $timeoutSeconds = 3600 }
    $root = [IO.Path]::Combine($env:ProgramData, 'qlik-azure', 'run')
    New-Item -ItemType Directory -Force -Path $root | Out-Null
    Clear-QlikRunLeftover -Root $root
    $id = [guid]::NewGuid().ToString('N')
    $folder = Join-Path $root $id
    $taskName = $QlikEnvelopeTaskPrefix + $id
    New-Item -ItemType Directory -Path $folder | Out-Null
    try {
        [IO.File]::WriteAllText((Join-Path $folder 'owner.pid'), "$PID")
        Protect-QlikRunFolder -Path $folder -Account $account
        $utf8 = New-Object Text.UTF8Encoding $false
        $templateInputs = @{} + $Plain
        foreach ($name in $QlikEnvelopeRunAsNames) { $templateInputs.Remove($name) }
        $secrets = @{} + $Protected
        $secrets.Remove('QlikRunAsPassword')
        [IO.File]::WriteAllText((Join-Path $folder 'envelope.ps1'), [IO.File]::ReadAllText($PSCommandPath), $utf8)
        [IO.File]::WriteAllText((Join-Path $folder 'inputs.json'), (ConvertTo-Json -InputObject $templateInputs -Compress), $utf8)
        [IO.File]::WriteAllBytes((Join-Path $folder 'protected.bin'), (Protect-QlikRunInput -Bytes $utf8.GetBytes((ConvertTo-Json -InputObject $secrets -Compress))))
        $powershell = "$PSHOME\powershell.exe"
        # cmd.exe only redirects the streams: Task Scheduler keeps no output. No value of any input is on this line.
        $command = "`"`"$powershell`" -NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$folder\envelope.ps1`" -QlikRunFolder `"$folder`" 1>`"$folder\stdout.txt`" 2>`"$folder\stderr.txt`"`""
        $action = New-ScheduledTaskAction -Execute "$env:SystemRoot\System32\cmd.exe" -Argument "/d /c $command"
        try {
            # -User with -Password: a batch logon with the account's stored credentials; RunLevel Highest: its full
            # administrator token (a runAsUser-style interactive logon would get a UAC-filtered one).
            Register-ScheduledTask -TaskName $taskName -Action $action -User $account -Password $Protected['QlikRunAsPassword'] -RunLevel Highest -Force | Out-Null
        } catch {
            Stop-QlikEnvelope -Code $QlikEnvelopeExitLogon -Message "Task Scheduler refused to run the script as ${account}: $($_.Exception.Message.Replace($Protected['QlikRunAsPassword'], '***')); check that the account exists (step 38) and its password"
        }
        try {
            Start-ScheduledTask -TaskName $taskName
            Write-Host "##qlik-azure[phase] running as $account (scheduled task '$taskName')"
            $deadline = (Get-Date).ToUniversalTime().AddSeconds($timeoutSeconds)
            $relayed = 0
            while (-not (Test-QlikRunTaskFinished -TaskName $taskName)) {
                $relayed = Send-QlikRunOutput -Folder $folder -Relayed $relayed
                if ((Get-Date).ToUniversalTime() -ge $deadline) {
                    Stop-ScheduledTask -TaskName $taskName
                    $null = Send-QlikRunOutput -Folder $folder -Relayed $relayed -Final
                    Stop-QlikEnvelope -Code $QlikEnvelopeExitTimedOut -Message "the script did not finish within $timeoutSeconds s as $account and was stopped"
                }
                Start-Sleep -Seconds $QlikEnvelopePollSeconds
            }
            $taskResult = [long](Get-ScheduledTaskInfo -TaskName $taskName).LastTaskResult
            $null = Send-QlikRunOutput -Folder $folder -Relayed $relayed -Final
            # LastTaskResult is the exit code as an unsigned number; the same bits as a signed one.
            [BitConverter]::ToInt32([BitConverter]::GetBytes([uint32]$taskResult), 0)
        } finally {
            Unregister-ScheduledTask -TaskName $taskName -Confirm:$false
        }
    } finally {
        Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
    }
}

if ($QlikRunFolder) {
    # The scheduled task's run, as the account: inputs from the run folder, output to the redirected streams.
    [Console]::OutputEncoding = New-Object Text.UTF8Encoding $false
    $QlikEnvelopePlain = Read-QlikRunInput -Json ([IO.File]::ReadAllText((Join-Path $QlikRunFolder 'inputs.json'), [Text.Encoding]::UTF8))
    $QlikEnvelopeProtected = Read-QlikRunInput -Json ([Text.Encoding]::UTF8.GetString((Unprotect-QlikRunInput -Bytes ([IO.File]::ReadAllBytes((Join-Path $QlikRunFolder 'protected.bin'))))))
} else {
    $QlikEnvelopePlain = ConvertFrom-QlikEnvelopeInput -Name 'QlikInputs' -Encoded $QlikInputs
    $QlikEnvelopeProtected = ConvertFrom-QlikEnvelopeInput -Name 'QlikProtectedInputs' -Encoded $QlikProtectedInputs
    if ($QlikEnvelopeProtected.ContainsKey($QlikEnvelopeStagedName)) { $QlikEnvelopeProtected = Get-QlikStagedInput -Protected $QlikEnvelopeProtected }
}
$QlikEnvelopeArguments = Get-QlikEnvelopeArgument -Plain $QlikEnvelopePlain -Protected $QlikEnvelopeProtected

if (-not $QlikRunFolder -and $QlikEnvelopePlain.ContainsKey('QlikRunAsAccount')) {
    if (-not $QlikEnvelopeProtected['QlikRunAsPassword']) {
        Stop-QlikEnvelope -Code $QlikEnvelopeExitInvalidInput -Message 'QlikRunAsAccount needs QlikRunAsPassword in -QlikProtectedInputs'
    }
    exit (Invoke-QlikAsAccount -Plain $QlikEnvelopePlain -Protected $QlikEnvelopeProtected)
}

# The template sees only its own parameters, not the encoded inputs.
Remove-Variable -Name QlikInputs, QlikProtectedInputs, QlikEnvelopePlain, QlikEnvelopeProtected -ErrorAction SilentlyContinue
. $QlikEnvelopeTemplate @QlikEnvelopeArguments
exit 0
