<#
install-qlik.ps1 — guide step 40 (and the wait of step 41): silent install of a Qlik Sense Enterprise
central node with a local repository database and a shared persistence folder on this machine.

Must run as the service account (Run Command runAsUser), never as LocalSystem: the installer refuses it.
Idempotent: when ReleaseName is installed and the repository service runs, it does nothing.

Parameters (all strings, as Run Command sends them; * = secret, sent as a protected parameter):
  InstallerUrl           required   http(s) URL or blob SAS URL of Qlik_Sense_setup.exe (the query is never printed)
  InstallerSha256        optional   64 hex digits; the download is verified when given
  ReleaseName            required   e.g. "Qlik Sense May 2025", as Programs and Features names it
  ServiceAccountName     required   local account the services run as (created by accounts.ps1)
  ServiceAccountPassword * required
  RepositoryDbPassword   * required  repository database superuser and repository user password
  Hostname               machine name ($env:COMPUTERNAME); never the FQDN (guide step 40h)
  SharedFolderPath       'C:\QlikShare'  shared as \\<Hostname>\<folder name>
  InstallDir             optional   default of the installer: %ProgramFiles%\Qlik\Sense
  TimeoutMinutes         '60'       how long to wait for the services after the install (0 = check once)
  WorkDirectory          '%ProgramData%\qlik-azure'  installer, its log and spc.cfg; readable by SYSTEM,
                         Administrators and the running account only; spc.cfg (which holds the database password) is deleted after the install

Result JSON: changed (bool), release, hostname, sharePath (UNC root of the shared persistence),
installerLog (path on the VM, null when nothing was installed).

Exit codes: 0 installed and ready (or already installed); 1 unexpected error; 2 invalid parameter (e.g.
a hostname with a dot); 20 installer download failed; 21 installer checksum mismatch; 22 running as
LocalSystem; 23 installer exit code not 0; 24 services not ready within TimeoutMinutes; 25 installer asks
for a reboot (restart the VM, then run again); 26 another Qlik Sense release is installed; 27 not running
with administrator rights (a UAC-filtered token: the installer would wait for a consent prompt nobody sees).
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
$ExitLocalSystem = 22
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
# Windows Installer codes the Qlik bootstrapper passes through (Qlik documents none of its own).
$InstallerExitHints = @{
    1602 = 'installation cancelled'
    1603 = 'fatal error during installation'
    1618 = 'another installation is in progress; try again when it has finished'
    1638 = 'another version of this product is already installed'
}

# Refuses what would fail late (an hour into an install) or produce broken certificates.
function Assert-InstallParameter {
    foreach ($name in 'InstallerUrl', 'ReleaseName', 'ServiceAccountName', 'ServiceAccountPassword', 'RepositoryDbPassword', 'Hostname') {
        Assert-QlikRequired -Name $name -Value (Get-Variable -Name $name -ValueOnly)
    }
    $uri = $null
    if (-not [Uri]::TryCreate($InstallerUrl, [UriKind]::Absolute, [ref]$uri) -or ($uri.Scheme -ne 'https' -and $uri.Scheme -ne 'http')) {
        Exit-QlikFailure -Code $QlikExitInvalidParameter -Message '-InstallerUrl must be an http(s) URL'
    }
    # A SAS token in the query grants access to the blob: treat it like a secret in everything printed.
    if ($uri.Query.Length -gt 1) { $script:QlikSecretValues += $uri.Query.Substring(1) }
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

function Assert-InstallIdentity {
    if (Test-RunningAsLocalSystem) {
        Exit-QlikFailure -Code $ExitLocalSystem -Message "the Qlik Sense installer refuses to run as LocalSystem; run this script as the service account $env:COMPUTERNAME\$ServiceAccountName (Run Command runAsUser)"
    }
    if (-not (Test-RunningElevated)) {
        Exit-QlikFailure -Code $ExitNotElevated -Message "this script runs without administrator rights (UAC-filtered token), which the Qlik Sense installer needs; run it as $env:COMPUTERNAME\$ServiceAccountName, a member of Administrators, with an elevated token"
    }
}

function Test-ReleaseInstalled {
    $installed = @(Get-QlikInstalledRelease)
    $other = @($installed | Where-Object { $_ -ne $ReleaseName -and $_ -notlike "$ReleaseName Patch *" })
    if ($other.Count -gt 0) {
        Exit-QlikFailure -Code $ExitOtherRelease -Message "'$($other -join "', '")' is installed, not '$ReleaseName'; upgrading an existing Qlik Sense is not supported by this script"
    }
    $installed.Count -gt 0
}

function Test-ServiceRunning {
    param([string]$Name)
    $service = Get-Service -Name $Name -ErrorAction SilentlyContinue
    $service -and "$($service.Status)" -eq 'Running'
}

# The installer, its log and spc.cfg hold or may hold secrets: only SYSTEM (S-1-5-18), Administrators
# (S-1-5-32-544) and the account running this script may read this folder.
function Protect-QlikWorkDirectory {
    param([string]$Path)
    $currentUser = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value
    $output = & icacls.exe $Path /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' "*${currentUser}:(OI)(CI)F" 2>&1
    if ($LASTEXITCODE -ne 0) { throw "icacls could not protect ${Path}: $output" }
}

# The share is named after the folder: C:\QlikShare -> \\<Hostname>\QlikShare.
function Get-ShareName {
    ($SharedFolderPath.TrimEnd('\', '/') -split '[\\/]')[-1]
}

# Creates the shared persistence folder and its SMB share with full access for the service account;
# returns the UNC root the Qlik services use.
function Publish-QlikShare {
    $shareName = Get-ShareName
    $account = "$env:COMPUTERNAME\$ServiceAccountName"
    foreach ($folder in 'Apps', 'StaticContent', 'ArchivedLogs') {
        # -Force creates SharedFolderPath itself too.
        New-Item -ItemType Directory -Force -Path (Join-Path $SharedFolderPath $folder) | Out-Null
    }
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
    Write-QlikPhase "downloading installer from $($InstallerUrl.Split('?')[0])"
    try {
        Invoke-WebRequest -Uri $InstallerUrl -OutFile $Path -UseBasicParsing
    } catch {
        Remove-Item -LiteralPath $Path -Force -ErrorAction SilentlyContinue
        Exit-QlikFailure -Code $ExitDownloadFailed -Message "could not download the installer from $($InstallerUrl.Split('?')[0]): $($_.Exception.Message)"
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

# name=value, quoted when the value has white space (Start-Process joins arguments with spaces and
# does no quoting of its own, in 5.1 and 7 alike).
function Format-InstallerArgument {
    param([string]$Name, [string]$Value)
    if ($Value -match '\s') { $Value = '"' + $Value + '"' }
    $Name + $Value
}

function Get-InstallerArgumentLine {
    param([string]$LogPath, [string]$ConfigPath)
    $arguments = @(
        '-silent'
        Format-InstallerArgument -Name '-log ' -Value $LogPath
        'accepteula=1'
        'desktopshortcut=0'
        'skipstartservices=0'
        Format-InstallerArgument -Name 'userwithdomain=' -Value "$env:COMPUTERNAME\$ServiceAccountName"
        Format-InstallerArgument -Name 'userpassword=' -Value $ServiceAccountPassword
        Format-InstallerArgument -Name 'dbpassword=' -Value $RepositoryDbPassword
        Format-InstallerArgument -Name 'hostname=' -Value $Hostname
        Format-InstallerArgument -Name 'sharedpersistenceconfig=' -Value $ConfigPath
    )
    if ($InstallDir) { $arguments += Format-InstallerArgument -Name 'installdir=' -Value $InstallDir }
    $arguments -join ' '
}

function Invoke-QlikInstaller {
    param([string]$InstallerPath, [string]$LogPath, [string]$ConfigPath)
    $argumentLine = Get-InstallerArgumentLine -LogPath $LogPath -ConfigPath $ConfigPath
    # The passwords have to be on the installer's command line; Write-QlikPhase masks them.
    Write-QlikPhase "running Qlik_Sense_setup.exe $argumentLine"
    $process = Start-Process -FilePath $InstallerPath -ArgumentList $argumentLine -Wait -PassThru
    $exitCode = [int]$process.ExitCode
    if ($exitCode -eq 3010 -or $exitCode -eq 1641) {
        Exit-QlikFailure -Code $ExitRebootRequired -Message "the Qlik Sense installer finished with exit code $exitCode (restart required); restart the VM, then run this step again"
    }
    if ($exitCode -ne 0) {
        $hint = $InstallerExitHints[$exitCode]
        if ($hint) { $hint = " ($hint)" }
        Exit-QlikFailure -Code $ExitInstallerFailed -Message "the Qlik Sense installer failed with exit code $exitCode$hint; its log on the VM is $LogPath"
    }
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

function Wait-QlikSense {
    param([int]$Minutes)
    Write-QlikPhase "waiting up to $Minutes min for the Qlik Sense services"
    $clock = [Diagnostics.Stopwatch]::StartNew()
    while ($true) {
        $notRunning = @($QlikServiceNames | Where-Object { -not (Test-ServiceRunning -Name $_) })
        $repositoryReady = $notRunning.Count -eq 0 -and (Test-QlikRepositoryReady)
        if ($repositoryReady) { break }
        if ($clock.Elapsed.TotalMinutes -ge $Minutes) {
            $waitingFor = if ($notRunning.Count -gt 0) { 'services not running: ' + ($notRunning -join ', ') } else { 'the repository does not report Running on http://localhost:4444/status/servicestate' }
            Exit-QlikFailure -Code $ExitNotReady -Message "Qlik Sense is not ready after $Minutes min ($waitingFor); check the services and C:\ProgramData\Qlik\Sense\Log on the VM"
        }
        Start-Sleep -Seconds $PollSeconds
    }
    Write-QlikPhase 'Qlik Sense services running, repository ready'
}

function Install-QlikSense {
    param([int]$WaitMinutes)
    Assert-InstallIdentity
    New-Item -ItemType Directory -Force -Path $WorkDirectory | Out-Null
    Protect-QlikWorkDirectory -Path $WorkDirectory
    $shareRoot = Publish-QlikShare
    $installerPath = Join-Path $WorkDirectory 'Qlik_Sense_setup.exe'
    $logPath = Join-Path $WorkDirectory 'qlik-sense-install.log'
    $configPath = Join-Path $WorkDirectory 'spc.cfg'
    Get-QlikInstaller -Path $installerPath
    Write-SharedPersistenceConfig -Path $configPath -ShareRoot $shareRoot
    try {
        Invoke-QlikInstaller -InstallerPath $installerPath -LogPath $logPath -ConfigPath $configPath
    } finally {
        # spc.cfg holds the repository password; the installer has read it.
        Remove-Item -LiteralPath $configPath -Force -ErrorAction SilentlyContinue
    }
    Remove-Item -LiteralPath $installerPath -Force
    Wait-QlikSense -Minutes $WaitMinutes
    [ordered]@{ changed = $true; release = $ReleaseName; hostname = $Hostname; sharePath = $shareRoot; installerLog = $logPath }
}

Invoke-QlikMain {
    Assert-InstallParameter
    $timeout = ConvertTo-QlikInteger -Name 'TimeoutMinutes' -Value $TimeoutMinutes -Minimum 0 -Maximum 1440
    if (-not (Test-ReleaseInstalled)) {
        Write-QlikResult (Install-QlikSense -WaitMinutes $timeout)
        return
    }
    Write-QlikPhase "$ReleaseName is installed; nothing to install"
    # After the reboot an installer asked for (exit code 25), the services may still be starting.
    if (-not (Test-ServiceRunning -Name 'QlikSenseRepositoryService')) { Wait-QlikSense -Minutes $timeout }
    Write-QlikResult ([ordered]@{ changed = $false; release = $ReleaseName; hostname = $Hostname; sharePath = "\\$Hostname\$(Get-ShareName)"; installerLog = $null })
}
