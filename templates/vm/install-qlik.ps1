<#
install-qlik.ps1 — guide step 40 (and the wait of step 41): silent install of a Qlik Sense Enterprise
central node with a local repository database and a shared persistence folder on this machine.

Run it as LocalSystem, Run Command's default (no runAsUser). Everything but the installer runs as
SYSTEM (share, folders, download, checksum, spc.cfg). The installer refuses LocalSystem, so it runs as
the service account through a one-shot scheduled task with RunLevel Highest: a batch logon with the
account's full administrator token. (A Run Command runAsUser logon goes through the Secondary Logon
service and gets a UAC-filtered token, on which the installer would wait for a consent prompt nobody
sees.) Already elevated as the service account, the script starts the installer itself.
Idempotent: when the release is installed and the repository service runs, it does nothing.
Which release: with ReleaseName given, that release (and any patch of it) counts as installed, and any
other installed release ends the script with exit code 26. With ReleaseName empty, the one release
installed is accepted as it is (several: exit code 26); on a machine without Qlik Sense the installer
at InstallerUrl installs its own release. Either way the result reports the release found installed.
Run Command may kill this script while it waits for the installer, so its clean-up never runs: every run
first removes the installer task and spc.cfg such a run left behind, and when that installer still
runs, waits for it (up to TimeoutMinutes) instead of starting another.

Parameters (all strings, as Run Command sends them; * = secret, sent as a protected parameter):
  InstallerUrl           * required   http(s) URL or blob SAS URL of Qlik_Sense_setup.exe (printed as host and path only)
  InstallerSha256        optional   64 hex digits; the download is verified when given
  ReleaseName            optional   e.g. "Qlik Sense May 2025", as Programs and Features names it (see above)
  ServiceAccountName     required   local account the services run as (created by accounts.ps1)
  ServiceAccountPassword * required
  RepositoryDbPassword   * required  repository database superuser and repository user password
  Hostname               machine name ($env:COMPUTERNAME); never the FQDN (guide step 40h)
  SharedFolderPath       'C:\QlikShare'  shared as \\<Hostname>\<folder name>
  InstallDir             optional   default of the installer: %ProgramFiles%\Qlik\Sense
  TimeoutMinutes         '60'       how long to wait for the installer when it runs as a scheduled task, then
                                    as long again for the services (0 = check once)
  WorkDirectory          '%ProgramData%\qlik-azure'  installer, its log and spc.cfg; readable by SYSTEM,
                         Administrators and the running account only; spc.cfg (which holds the database password) is deleted after the install

Result JSON: changed (bool), release (the release installed on the machine after the run, as detected
there, without "Patch N"; not the ReleaseName asked for; null when none is found), hostname, sharePath
(UNC root of the shared persistence), installerLog (path on the VM, null when nothing was installed).

Exit codes: 0 installed and ready (or already installed); 1 unexpected error; 2 invalid parameter (e.g.
a hostname with a dot); 20 installer download failed; 21 installer checksum mismatch; 22 Task Scheduler
refused to run the installer as the service account (account missing or wrong password); 23 installer
exit code not 0; 24 installer not finished within TimeoutMinutes (then stopped; one an earlier run
started is left running) or services not ready within TimeoutMinutes; 25 installer asks for a reboot
(restart the VM, then run again); 23 and 25 also for an earlier run's installer this run waited for;
26 another Qlik Sense release is installed (or several, with ReleaseName empty); 27 neither LocalSystem
nor elevated (a UAC-filtered token: the installer would wait for a consent prompt nobody sees).
#>
[CmdletBinding()]
param(
    [string]$InstallerUrl,
    [string]$InstallerSha256,
    [string]$ReleaseName,
    [string]$ServiceAccountName,
    [string]$ServiceAccountPassword,
    [string]$RepositoryDbPassword,
    [string]$Hostname = $env:COMPUTERNAME,
    [string]$SharedFolderPath = 'C:\QlikShare',
    [string]$InstallDir,
    [string]$TimeoutMinutes = '60',
    [string]$WorkDirectory = "$env:ProgramData\qlik-azure"
)

#@include lib/common.ps1

$ExitDownloadFailed = 20
$ExitChecksumMismatch = 21
$ExitServiceAccountLogon = 22
$ExitInstallerFailed = 23
$ExitNotReady = 24
$ExitRebootRequired = 25
$ExitOtherRelease = 26
$ExitNotElevated = 27

# Started by the installer in this order (ANS start_services.yaml); the database one only with a local DB.
$QlikServiceNames = @(
    'QlikSenseRepositoryDatabase', 'QlikSenseServiceDispatcher', 'QlikSenseRepositoryService',
    'QlikSenseProxyService', 'QlikSenseEngineService', 'QlikSenseSchedulerService', 'QlikSensePrintingService'
)
$PollSeconds = 10
# A long wait prints a progress line this often, so that Run Command's output shows the script is alive.
$ProgressMinutes = 5
# The one-shot task that runs the installer as the service account when this script runs as LocalSystem.
$InstallerTaskName = 'qlik-azure Qlik Sense install'
# In WorkDirectory: the installer's log (kept) and spc.cfg (deleted once the installer has read it).
# (Not Join-Path: an empty -WorkDirectory would throw here, outside Invoke-QlikMain's protocol.)
$InstallerLogPath = [IO.Path]::Combine($WorkDirectory, 'qlik-sense-install.log')
$SharedPersistenceConfigPath = [IO.Path]::Combine($WorkDirectory, 'spc.cfg')
# LastTaskResult before the task's first run (SCHED_S_TASK_HAS_NOT_RUN) and while it runs (SCHED_S_TASK_RUNNING).
$TaskResultNotRunYet = 267011
$TaskResultRunning = 267009
# Windows Installer codes the Qlik bootstrapper passes through (Qlik documents none of its own).
$InstallerExitHints = @{
    1602 = 'installation cancelled'
    1603 = 'fatal error during installation'
    1618 = 'another installation is in progress; try again when it has finished'
    1638 = 'another version of this product is already installed'
}

# Refuses what would fail late (an hour into an install) or produce broken certificates.
function Assert-InstallParameter {
    foreach ($name in 'InstallerUrl', 'ServiceAccountName', 'ServiceAccountPassword', 'RepositoryDbPassword', 'Hostname') {
        Assert-QlikRequired -Name $name -Value (Get-Variable -Name $name -ValueOnly)
    }
    $uri = $null
    if (-not [Uri]::TryCreate($InstallerUrl, [UriKind]::Absolute, [ref]$uri) -or ($uri.Scheme -ne 'https' -and $uri.Scheme -ne 'http')) {
        Exit-QlikFailure -Code $QlikExitInvalidParameter -Message '-InstallerUrl must be an http(s) URL'
    }
    if ($InstallerSha256 -and $InstallerSha256 -notmatch '^[0-9A-Fa-f]{64}$') {
        Exit-QlikFailure -Code $QlikExitInvalidParameter -Message '-InstallerSha256 must be 64 hexadecimal digits'
    }
    if ($Hostname.Contains('.')) {
        Exit-QlikFailure -Code $QlikExitInvalidParameter -Message "-Hostname '$Hostname' is a fully qualified name; the guide (step 40h) requires the machine name without the domain, here '$env:COMPUTERNAME': Qlik creates its certificates for this name"
    }
    if ($Hostname -ne $env:COMPUTERNAME) {
        Exit-QlikFailure -Code $QlikExitInvalidParameter -Message "-Hostname '$Hostname' is not this machine's name '$env:COMPUTERNAME' (guide step 40h: use the machine name)"
    }
    foreach ($name in 'ServiceAccountPassword', 'RepositoryDbPassword') {
        # The installer takes both on its command line and rejects these characters (Qlik-DSC QlikPackage).
        if ((Get-Variable -Name $name -ValueOnly) -match "[`"';]") {
            Exit-QlikFailure -Code $QlikExitInvalidParameter -Message "-$name contains a character the Qlik Sense installer rejects: double quote, single quote or semicolon"
        }
    }
}

# Identity checks are functions so that tests can play LocalSystem or a filtered token.
function Test-RunningAsLocalSystem {
    # S-1-5-18 is the LocalSystem SID.
    [Security.Principal.WindowsIdentity]::GetCurrent().User.Value -eq 'S-1-5-18'
}

function Test-RunningElevated {
    $principal = New-Object Security.Principal.WindowsPrincipal ([Security.Principal.WindowsIdentity]::GetCurrent())
    $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

# How the installer can start from this identity: 'ScheduledTask' as LocalSystem (which the installer
# refuses), 'Direct' when elevated. A UAC-filtered token ends the script with exit code 27.
function Get-InstallerLaunch {
    if (Test-RunningAsLocalSystem) { return 'ScheduledTask' }
    if (-not (Test-RunningElevated)) {
        Exit-QlikFailure -Code $ExitNotElevated -Message "this script runs without administrator rights (a UAC-filtered token), which the Qlik Sense installer needs; run it as LocalSystem (Run Command's default) or elevated"
    }
    'Direct'
}

# The installed releases without their patches: 'Qlik Sense May 2025' for both 'Qlik Sense May 2025' and
# 'Qlik Sense May 2025 Patch 2'. What the result reports, so that a resume can send what is there.
function Get-InstalledReleaseName {
    @(Get-QlikInstalledRelease | ForEach-Object { $_ -replace ' Patch \d+$', '' } | Sort-Object -Unique)
}

# Whether the release to keep is installed (see the header for the rule); exit code 26 when another is.
function Test-ReleaseInstalled {
    $installed = @(Get-InstalledReleaseName)
    if ($ReleaseName) {
        $other = @($installed | Where-Object { $_ -ne $ReleaseName })
        if ($other.Count -gt 0) {
            Exit-QlikFailure -Code $ExitOtherRelease -Message "'$($other -join "', '")' is installed, not '$ReleaseName'; upgrading an existing Qlik Sense is not supported by this script"
        }
    } elseif ($installed.Count -gt 1) {
        Exit-QlikFailure -Code $ExitOtherRelease -Message "several Qlik Sense releases are installed ('$($installed -join "', '")'); name the one to keep in -ReleaseName"
    }
    $installed.Count -gt 0
}

# The release the result reports: the one installed now, whatever was asked for; null when none is found.
function Get-ReportedRelease {
    $installed = @(Get-InstalledReleaseName)
    if ($installed.Count -eq 0) { return $null }
    if ($ReleaseName -and $installed[0] -ne $ReleaseName) {
        Write-QlikPhase "the installer installed '$($installed[0])', not -ReleaseName '$ReleaseName'"
    }
    $installed[0]
}

function Test-ServiceRunning {
    param([string]$Name)
    $service = Get-Service -Name $Name -ErrorAction SilentlyContinue
    $service -and "$($service.Status)" -eq 'Running'
}

# Full Control for SYSTEM (S-1-5-18), Administrators (S-1-5-32-544) and Account (an icacls principal:
# DOMAIN\user, or *SID) on Path and everything in it, and nothing inherited from the parent: whatever the
# parent grants others (on C:\, Users may create folders and files) no longer applies.
function Protect-QlikFolder {
    param([string]$Path, [string]$Account)
    $output = & icacls.exe $Path /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' "${Account}:(OI)(CI)F" 2>&1
    if ($LASTEXITCODE -ne 0) { throw "icacls could not protect ${Path}: $output" }
}

# The installer, its log and spc.cfg hold or may hold secrets: only SYSTEM, Administrators and the account
# running this script may read this folder. The installer task reads it through Administrators, which its
# full token (RunLevel Highest) includes.
function Protect-QlikWorkDirectory {
    param([string]$Path)
    Protect-QlikFolder -Path $Path -Account ('*' + [Security.Principal.WindowsIdentity]::GetCurrent().User.Value)
}

# The share is named after the folder: C:\QlikShare -> \\<Hostname>\QlikShare.
function Get-ShareName {
    ($SharedFolderPath.TrimEnd('\', '/') -split '[\\/]')[-1]
}

# Creates the shared persistence folder and its SMB share with full access for the service account;
# returns the UNC root the Qlik services use. The folder's NTFS rights matter as much as the share's: it
# holds the apps and the static content the hub serves, and inherited from C:\ it would let every local
# user (the QlikUserN accounts too) create and change files there. Only the service account, SYSTEM and
# Administrators keep access.
function Publish-QlikShare {
    $shareName = Get-ShareName
    $account = "$env:COMPUTERNAME\$ServiceAccountName"
    foreach ($folder in 'Apps', 'StaticContent', 'ArchivedLogs') {
        # -Force creates SharedFolderPath itself too.
        New-Item -ItemType Directory -Force -Path (Join-Path $SharedFolderPath $folder) | Out-Null
    }
    Protect-QlikFolder -Path $SharedFolderPath -Account $account
    $share = Get-SmbShare -Name $shareName -ErrorAction SilentlyContinue
    if (-not $share) {
        New-SmbShare -Name $shareName -Path $SharedFolderPath -FullAccess $account | Out-Null
        Write-QlikPhase "share \\$Hostname\$shareName created"
    } elseif ($share.Path.TrimEnd('\') -ne $SharedFolderPath.TrimEnd('\')) {
        Exit-QlikFailure -Code $QlikExitInvalidParameter -Message "share '$shareName' already exists for '$($share.Path)', not for -SharedFolderPath '$SharedFolderPath'"
    } elseif (-not (Get-SmbShareAccess -Name $shareName | Where-Object { $_.AccountName -eq $account -and "$($_.AccessRight)" -eq 'Full' -and "$($_.AccessControlType)" -eq 'Allow' })) {
        Grant-SmbShareAccess -Name $shareName -AccountName $account -AccessRight Full -Force | Out-Null
        Write-QlikPhase "share \\$Hostname\$shareName access granted to $account"
    }
    "\\$Hostname\$shareName"
}

function Get-QlikInstaller {
    param([string]$Path)
    # Windows PowerShell 5.1 may still default to TLS 1.0, which Azure Storage and GitHub refuse.
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    Write-QlikPhase "downloading installer from $(Format-QlikUrl -Url $InstallerUrl)"
    try {
        Invoke-WebRequest -Uri $InstallerUrl -OutFile $Path -UseBasicParsing
    } catch {
        Remove-Item -LiteralPath $Path -Force -ErrorAction SilentlyContinue
        Exit-QlikFailure -Code $ExitDownloadFailed -Message "could not download the installer from $(Format-QlikUrl -Url $InstallerUrl): $($_.Exception.Message)"
    }
    if (-not $InstallerSha256) { return }
    $actual = (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash
    if ($actual -ne $InstallerSha256.ToUpperInvariant()) {
        Remove-Item -LiteralPath $Path -Force
        Exit-QlikFailure -Code $ExitChecksumMismatch -Message "installer checksum mismatch: expected SHA-256 $($InstallerSha256.ToUpperInvariant()), downloaded file has $actual"
    }
    Write-QlikPhase 'installer SHA-256 verified'
}

# spc.cfg for a single central node with a local repository database (element names and defaults
# from Qlik's own Ansible role, spc.cfg.j2); values are XML-escaped.
function Write-SharedPersistenceConfig {
    param([string]$Path, [string]$ShareRoot)
    $settings = [ordered]@{
        DbUserName                  = 'qliksenserepository'
        DbUserPassword              = $RepositoryDbPassword
        DbHost                      = 'localhost'
        DbPort                      = '4432'
        RootDir                     = $ShareRoot
        StaticContentRootDir        = "$ShareRoot\StaticContent"
        ArchivedLogsDir             = "$ShareRoot\ArchivedLogs"
        AppsDir                     = "$ShareRoot\Apps"
        CreateCluster               = 'true'
        JoinCluster                 = 'false'
        InstallLocalDb              = 'true'
        ConfigureDbListener         = 'false'
        ListenAddresses             = '127.0.0.1,::1'
        IpRange                     = '127.0.0.1/32,::1/128'
        MaxConnections              = '100'
        HttpPortNumber              = '80'
        HttpsPortNumber             = '443'
        EnableHttpPort              = 'false'
        DbMaximumConnectionPoolSize = '90'
    }
    $elements = foreach ($name in $settings.Keys) {
        "  <$name>$([Security.SecurityElement]::Escape($settings[$name]))</$name>"
    }
    $xml = @(
        '<?xml version="1.0" encoding="utf-8"?>'
        '<SharedPersistenceConfiguration xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        $elements
        '</SharedPersistenceConfiguration>'
    ) -join "`r`n"
    [IO.File]::WriteAllText($Path, $xml, (New-Object Text.UTF8Encoding $false))
}

# name=value as one argument that the installer reads back unchanged (Start-Process and the scheduled
# task join arguments with spaces and do no quoting of their own, in 5.1 and 7 alike). Windows splits a command line
# as CommandLineToArgvW and the MSVC runtime do: a quote toggles quoting, 2n backslashes before a quote
# give n backslashes, 2n+1 give n and a literal quote, other backslashes are literal. So a value with a
# space, tab or quote is quoted, each quote in it escaped, and the backslashes before a quote (or before
# the closing one) doubled: a password ending in \ or holding " stays one argument and the same password.
function Format-InstallerArgument {
    param([string]$Name, [string]$Value)
    if ($Value -notmatch '[\s"]') { return $Name + $Value }
    $escaped = [regex]::Replace($Value, '(\\*)"', { param($match) ($match.Groups[1].Value * 2) + '\"' })
    $escaped = [regex]::Replace($escaped, '(\\+)$', { param($match) $match.Groups[1].Value * 2 })
    $Name + '"' + $escaped + '"'
}

# -Masked: the line to print, passwords as ***. Their quoted form may differ from the value (an escaped
# quote), so the printed line is built without them rather than left to Write-QlikPhase's masking.
function Get-InstallerArgumentLine {
    param([string]$LogPath, [string]$ConfigPath, [switch]$Masked)
    $servicePassword = if ($Masked) { '***' } else { $ServiceAccountPassword }
    $dbPassword = if ($Masked) { '***' } else { $RepositoryDbPassword }
    $arguments = @(
        '-silent'
        Format-InstallerArgument -Name '-log ' -Value $LogPath
        'accepteula=1'
        'desktopshortcut=0'
        'skipstartservices=0'
        Format-InstallerArgument -Name 'userwithdomain=' -Value "$env:COMPUTERNAME\$ServiceAccountName"
        Format-InstallerArgument -Name 'userpassword=' -Value $servicePassword
        Format-InstallerArgument -Name 'dbpassword=' -Value $dbPassword
        Format-InstallerArgument -Name 'hostname=' -Value $Hostname
        Format-InstallerArgument -Name 'sharedpersistenceconfig=' -Value $ConfigPath
    )
    if ($InstallDir) { $arguments += Format-InstallerArgument -Name 'installdir=' -Value $InstallDir }
    $arguments -join ' '
}

# Polls Condition every PollSeconds until it holds ($true) or Minutes have passed ($false); a long wait
# prints "<Activity> (N min)" every ProgressMinutes. Time comes from Get-Date so that tests can let it pass.
function Wait-QlikCondition {
    param([int]$Minutes, [string]$Activity, [scriptblock]$Condition)
    $started = (Get-Date).ToUniversalTime()
    $nextProgress = $ProgressMinutes
    while (-not (& $Condition)) {
        $elapsed = ((Get-Date).ToUniversalTime() - $started).TotalMinutes
        if ($elapsed -ge $Minutes) { return $false }
        if ($elapsed -ge $nextProgress) {
            Write-QlikPhase "$Activity ($nextProgress min)"
            $nextProgress += $ProgressMinutes
        }
        Start-Sleep -Seconds $PollSeconds
    }
    $true
}

# Registers the one-shot task that runs the installer as the service account. -User with -Password makes
# its logon a batch logon (a right Administrators have by default), and RunLevel Highest gives it the
# account's full administrator token. The task definition holds the installer's arguments, passwords
# included; it lives in %SystemRoot%\System32\Tasks (SYSTEM and Administrators only) until
# Invoke-InstallerTask unregisters it.
function Register-InstallerTask {
    param([string]$InstallerPath, [string]$ArgumentLine)
    $account = "$env:COMPUTERNAME\$ServiceAccountName"
    $action = New-ScheduledTaskAction -Execute $InstallerPath -Argument $ArgumentLine
    # Task Scheduler's default priority (7) is below normal; 4 is what a process started by hand gets.
    $settings = New-ScheduledTaskSettingsSet -Priority 4
    try {
        # Clear-InstallerLeftover has removed any task a cut-short run left; -Force still replaces one
        # that appeared since rather than failing.
        Register-ScheduledTask -TaskName $InstallerTaskName -Action $action -Settings $settings -User $account -Password $ServiceAccountPassword -RunLevel Highest -Force | Out-Null
    } catch {
        Exit-QlikFailure -Code $ExitServiceAccountLogon -Message "Task Scheduler refused to run the installer as ${account}: $($_.Exception.Message); check that the account exists (accounts step) and the service account password"
    }
}

function Test-InstallerTaskFinished {
    $state = "$((Get-ScheduledTask -TaskName $InstallerTaskName).State)"
    $result = [long](Get-ScheduledTaskInfo -TaskName $InstallerTaskName).LastTaskResult
    # Right after Start-ScheduledTask the task may still be Ready, with the result of no run yet.
    $state -ne 'Running' -and $state -ne 'Queued' -and $result -ne $TaskResultNotRunYet -and $result -ne $TaskResultRunning
}

# LastTaskResult is the installer's exit code as an unsigned number; Process.ExitCode is signed. Same bits.
function ConvertFrom-TaskResult {
    param([long]$TaskResult)
    [BitConverter]::ToInt32([BitConverter]::GetBytes([uint32]$TaskResult), 0)
}

# Runs the installer as the service account through a one-shot scheduled task; returns its exit code.
function Invoke-InstallerTask {
    param([string]$InstallerPath, [string]$ArgumentLine, [int]$Minutes, [string]$LogPath)
    Register-InstallerTask -InstallerPath $InstallerPath -ArgumentLine $ArgumentLine
    try {
        Start-ScheduledTask -TaskName $InstallerTaskName
        Write-QlikPhase "installer started as $env:COMPUTERNAME\$ServiceAccountName with a full administrator token (scheduled task '$InstallerTaskName'); waiting up to $Minutes min"
        if (-not (Wait-QlikCondition -Minutes $Minutes -Activity 'installer still running' -Condition { Test-InstallerTaskFinished })) {
            # Nobody would wait for it any more, and the next run would collide with it.
            Stop-ScheduledTask -TaskName $InstallerTaskName
            Exit-QlikFailure -Code $ExitNotReady -Message "the Qlik Sense installer did not finish within $Minutes min and was stopped; its log on the VM is $LogPath"
        }
        ConvertFrom-TaskResult -TaskResult (Get-ScheduledTaskInfo -TaskName $InstallerTaskName).LastTaskResult
    } finally {
        # The task definition holds the installer's arguments, passwords included: it must not outlive this run.
        Unregister-ScheduledTask -TaskName $InstallerTaskName -Confirm:$false
    }
}

# The installer task's state ('Running', 'Queued', 'Ready', ...), '' when there is no such task.
function Get-InstallerTaskState {
    $task = Get-ScheduledTask -TaskName $InstallerTaskName -ErrorAction SilentlyContinue
    if ($task) { "$($task.State)" } else { '' }
}

function Test-InstallerTaskActive {
    $state = Get-InstallerTaskState
    $state -eq 'Running' -or $state -eq 'Queued'
}

# Waits for an installer that an earlier, cut-short run started, then ends the way that run would have:
# its exit code checked and its task removed. Not finished in time: exit code 24, and it is left running
# (stopping an installer this run did not start could leave a half-installed Qlik Sense; the next run
# waits for it again).
function Wait-LeftoverInstallerTask {
    param([int]$Minutes, [string]$LogPath)
    Write-QlikPhase "an installer started by an earlier run is still running (scheduled task '$InstallerTaskName'); waiting up to $Minutes min for it instead of starting another"
    if (-not (Wait-QlikCondition -Minutes $Minutes -Activity 'earlier installer still running' -Condition { -not (Test-InstallerTaskActive) })) {
        Exit-QlikFailure -Code $ExitNotReady -Message "the Qlik Sense installer an earlier run started (scheduled task '$InstallerTaskName') is still running after $Minutes min and was left running; run this step again to keep waiting; its log on the VM is $LogPath"
    }
    $exitCode = ConvertFrom-TaskResult -TaskResult (Get-ScheduledTaskInfo -TaskName $InstallerTaskName).LastTaskResult
    Unregister-ScheduledTask -TaskName $InstallerTaskName -Confirm:$false
    Assert-InstallerSucceeded -ExitCode $exitCode -LogPath $LogPath
}

# Run Command kills a script that runs too long without running its finally blocks, which would have
# removed the installer task (its definition holds the passwords) and spc.cfg (the database password).
# Every run starts here: a leftover installer still running is waited for, anything else is removed.
function Clear-InstallerLeftover {
    param([int]$Minutes)
    if (Test-InstallerTaskActive) {
        Wait-LeftoverInstallerTask -Minutes $Minutes -LogPath $InstallerLogPath
    } elseif (Get-InstallerTaskState) {
        Unregister-ScheduledTask -TaskName $InstallerTaskName -Confirm:$false
        Write-QlikPhase "removed the installer task '$InstallerTaskName' an earlier, cut-short run left behind"
    }
    Remove-Item -LiteralPath $SharedPersistenceConfigPath -Force -ErrorAction SilentlyContinue
}

function Invoke-InstallerProcess {
    param([string]$InstallerPath, [string]$ArgumentLine)
    (Start-Process -FilePath $InstallerPath -ArgumentList $ArgumentLine -Wait -PassThru).ExitCode
}

function Assert-InstallerSucceeded {
    param([int]$ExitCode, [string]$LogPath)
    if ($ExitCode -eq 3010 -or $ExitCode -eq 1641) {
        Exit-QlikFailure -Code $ExitRebootRequired -Message "the Qlik Sense installer finished with exit code $ExitCode (restart required); restart the VM, then run this step again"
    }
    if ($ExitCode -ne 0) {
        $hint = $InstallerExitHints[$ExitCode]
        if ($hint) { $hint = " ($hint)" }
        Exit-QlikFailure -Code $ExitInstallerFailed -Message "the Qlik Sense installer failed with exit code $ExitCode$hint; its log on the VM is $LogPath"
    }
}

function Invoke-QlikInstaller {
    param([string]$Launch, [string]$InstallerPath, [string]$LogPath, [string]$ConfigPath, [int]$WaitMinutes)
    $argumentLine = Get-InstallerArgumentLine -LogPath $LogPath -ConfigPath $ConfigPath
    # The passwords have to be on the installer's command line, never in what is printed.
    Write-QlikPhase "running Qlik_Sense_setup.exe $(Get-InstallerArgumentLine -LogPath $LogPath -ConfigPath $ConfigPath -Masked)"
    if ($Launch -eq 'ScheduledTask') {
        $exitCode = Invoke-InstallerTask -InstallerPath $InstallerPath -ArgumentLine $argumentLine -Minutes $WaitMinutes -LogPath $LogPath
    } else {
        $exitCode = Invoke-InstallerProcess -InstallerPath $InstallerPath -ArgumentLine $argumentLine
    }
    Assert-InstallerSucceeded -ExitCode $exitCode -LogPath $LogPath
}

# The repository answers its setup port once it has certificates and runs: value 2 = Running
# (0 initializing, 1 certificates not installed).
function Test-QlikRepositoryReady {
    $xrfkey = 'qlikazure0000000'
    try {
        $state = Invoke-RestMethod -Uri "http://localhost:4444/status/servicestate?xrfkey=$xrfkey" -UseBasicParsing -TimeoutSec 5 `
            -Headers @{ 'X-Qlik-Xrfkey' = $xrfkey; 'X-Qlik-User' = 'UserDirectory=INTERNAL; UserId=sa_api' }
        [int]$state.value -eq 2
    } catch {
        $false
    }
}

function Get-QlikServiceNotRunning {
    @($QlikServiceNames | Where-Object { -not (Test-ServiceRunning -Name $_) })
}

function Test-QlikSenseReady {
    @(Get-QlikServiceNotRunning).Count -eq 0 -and (Test-QlikRepositoryReady)
}

function Wait-QlikSense {
    param([int]$Minutes)
    Write-QlikPhase "waiting up to $Minutes min for the Qlik Sense services"
    if (-not (Wait-QlikCondition -Minutes $Minutes -Activity 'still waiting for the Qlik Sense services' -Condition { Test-QlikSenseReady })) {
        $notRunning = @(Get-QlikServiceNotRunning)
        $waitingFor = if ($notRunning.Count -gt 0) { 'services not running: ' + ($notRunning -join ', ') } else { 'the repository does not report Running on http://localhost:4444/status/servicestate' }
        Exit-QlikFailure -Code $ExitNotReady -Message "Qlik Sense is not ready after $Minutes min ($waitingFor); check the services and C:\ProgramData\Qlik\Sense\Log on the VM"
    }
    Write-QlikPhase 'Qlik Sense services running, repository ready'
}

function Install-QlikSense {
    param([int]$WaitMinutes)
    $launch = Get-InstallerLaunch
    New-Item -ItemType Directory -Force -Path $WorkDirectory | Out-Null
    Protect-QlikWorkDirectory -Path $WorkDirectory
    $shareRoot = Publish-QlikShare
    $installerPath = Join-Path $WorkDirectory 'Qlik_Sense_setup.exe'
    $logPath = $InstallerLogPath
    $configPath = $SharedPersistenceConfigPath
    Get-QlikInstaller -Path $installerPath
    Write-SharedPersistenceConfig -Path $configPath -ShareRoot $shareRoot
    try {
        Invoke-QlikInstaller -Launch $launch -InstallerPath $installerPath -LogPath $logPath -ConfigPath $configPath -WaitMinutes $WaitMinutes
    } finally {
        # spc.cfg holds the repository password; the installer has read it.
        Remove-Item -LiteralPath $configPath -Force -ErrorAction SilentlyContinue
    }
    Remove-Item -LiteralPath $installerPath -Force
    Wait-QlikSense -Minutes $WaitMinutes
    [ordered]@{ changed = $true; release = (Get-ReportedRelease); hostname = $Hostname; sharePath = $shareRoot; installerLog = $logPath }
}

Invoke-QlikMain {
    Assert-InstallParameter
    $timeout = ConvertTo-QlikInteger -Name 'TimeoutMinutes' -Value $TimeoutMinutes -Minimum 0 -Maximum 1440
    Clear-InstallerLeftover -Minutes $timeout
    if (-not (Test-ReleaseInstalled)) {
        Write-QlikResult (Install-QlikSense -WaitMinutes $timeout)
        return
    }
    $release = Get-ReportedRelease
    Write-QlikPhase "$release is installed; nothing to install"
    # After the reboot an installer asked for (exit code 25), the services may still be starting.
    if (-not (Test-ServiceRunning -Name 'QlikSenseRepositoryService')) { Wait-QlikSense -Minutes $timeout }
    Write-QlikResult ([ordered]@{ changed = $false; release = $release; hostname = $Hostname; sharePath = "\\$Hostname\$(Get-ShareName)"; installerLog = $null })
}
