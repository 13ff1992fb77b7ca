# Windows stand-in for the Run Command templates under PowerShell 7 on Linux (the simulator's pwsh
# executor imports it before running a template). It gives the templates the Windows they call, and
# nothing more: local users and groups, services (Get-Service, Win32_Service), scheduled tasks whose
# action runs at once (the installer, or the envelope's `cmd.exe /d /c "powershell.exe -File ..."` as the
# task's account), DPAPI with LocalMachine scope, firewall rules, the SMB share, icacls, the uninstall
# registry keys, the Cert: drive, the identity the script runs as, and Qlik_Sense_setup.exe (an installer stub that checks its
# silent arguments as the real one does and then "installs": uninstall entry, services, Host.cfg,
# the site CA, the server and QlikClient certificates).
#
# One machine = one folder ($env:QLIK_STANDIN_MACHINE): machine.json (state; passwords only as salted
# SHA-256 with the machine's own random salt), certificates/ (the machine's certificate stores, as
# PFX files, as a real machine keeps its keys on disk) and C/ (the C: drive). Parameters are named as
# on Windows; a parameter or value the templates do not use fails the binder or throws "stand-in:",
# so a template that starts using something new fails its test instead of passing silently.

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3

$script:MachineDir = $env:QLIK_STANDIN_MACHINE
if (-not $script:MachineDir -or -not (Test-Path -LiteralPath (Join-Path $script:MachineDir 'machine.json'))) {
    throw 'stand-in: QLIK_STANDIN_MACHINE must name a machine folder holding machine.json'
}
$script:StatePath = Join-Path $script:MachineDir 'machine.json'
$script:State = Get-Content -Raw -LiteralPath $script:StatePath | ConvertFrom-Json -AsHashtable
# The identity this run has: 'SYSTEM' (Run Command's default) or the account of the scheduled task running it;
# QLIK_STANDIN_ELEVATED when that task runs with the account's full administrator token (RunLevel Highest).
$script:RunAs = if ($env:QLIK_STANDIN_RUN_AS) { $env:QLIK_STANDIN_RUN_AS } else { 'SYSTEM' }
$script:Elevated = $script:RunAs -eq 'SYSTEM' -or $env:QLIK_STANDIN_ELEVATED -eq '1'
# Task definitions hold the installer's arguments, passwords included: kept in memory only, never in machine.json.
$script:TaskArguments = @{}

$AdministratorsSid = 'S-1-5-32-544'
$LocalSystemSid = 'S-1-5-18'
# Task Scheduler's LastTaskResult before a task's first run (SCHED_S_TASK_HAS_NOT_RUN).
$TaskHasNotRun = 267011
$QlikServiceNames = @(
    'QlikSenseRepositoryDatabase', 'QlikSenseServiceDispatcher', 'QlikSenseRepositoryService',
    'QlikSenseProxyService', 'QlikSenseEngineService', 'QlikSenseSchedulerService', 'QlikSensePrintingService'
)

function Save-StandInState {
    $json = ConvertTo-Json -InputObject $script:State -Depth 12
    [IO.File]::WriteAllText($script:StatePath + '.tmp', $json)
    Move-Item -LiteralPath ($script:StatePath + '.tmp') -Destination $script:StatePath -Force
}

function Get-StandInPasswordHash {
    param([string]$Password)
    $bytes = [Text.Encoding]::UTF8.GetBytes($script:State.salt + $Password)
    -join ([Security.Cryptography.SHA256]::HashData($bytes) | ForEach-Object { $_.ToString('x2') })
}

function ConvertFrom-StandInSecureString {
    param([securestring]$Value)
    [Net.NetworkCredential]::new('', $Value).Password
}

function New-StandInError {
    param([string]$Message, [string]$Category = 'ObjectNotFound', $Target)
    [Management.Automation.ErrorRecord]::new([Exception]::new($Message), 'StandIn', [Management.Automation.ErrorCategory]$Category, $Target)
}

function Assert-StandIn {
    param([bool]$Condition, [string]$What)
    if (-not $Condition) { throw "stand-in: $What is not implemented (a template uses Windows in a new way: extend src/simulator/windows/windows-standin.psm1)" }
}

# ---- the machine's environment -------------------------------------------------------------------
$env:COMPUTERNAME = $script:State.computerName
$env:ProgramData = 'C:\ProgramData'
$env:ProgramFiles = 'C:\Program Files'
$env:SystemRoot = 'C:\Windows'
$driveRoot = Join-Path $script:MachineDir 'C'
New-Item -ItemType Directory -Force -Path $driveRoot | Out-Null
New-PSDrive -Name C -PSProvider FileSystem -Root $driveRoot -Scope Global | Out-Null
# .NET file APIs do not know PowerShell drives: a Windows path reaches them as a path relative to the
# process's current directory, with its backslashes as part of one file name. New-Item (below) links
# each directory it creates under that spelling, so both see the same folder.
$script:DotNetRoot = Join-Path $script:MachineDir 'dotnet-cwd'
New-Item -ItemType Directory -Force -Path $script:DotNetRoot | Out-Null
[Environment]::CurrentDirectory = $script:DotNetRoot
# Join-Path on Linux turns 'C:\ProgramData' into 'C:/ProgramData', which .NET reads as the folder 'C:' of the
# current directory: linked to the drive's folder.
$alias = [IO.Path]::Combine($script:DotNetRoot, 'C:')
if (-not [IO.Directory]::Exists($alias)) { [IO.Directory]::CreateSymbolicLink($alias, $driveRoot) | Out-Null }

function New-Item {
    [CmdletBinding()]
    param([string]$ItemType, [string]$Path, [switch]$Force)
    Assert-StandIn ($ItemType -eq 'Directory') "New-Item -ItemType $ItemType"
    $item = Microsoft.PowerShell.Management\New-Item -ItemType Directory -Path $Path -Force:$Force
    if ($Path -match '^[A-Za-z]:\\[^/]*$') {
        $alias = [IO.Path]::Combine($script:DotNetRoot, $Path.TrimEnd('\'))
        if (-not [IO.Directory]::Exists($alias)) { [IO.Directory]::CreateSymbolicLink($alias, $item.FullName) | Out-Null }
    }
    $item
}

# ---- identity (Run Command runs scripts as LocalSystem; the envelope's scheduled task as its account) ----
$typeSource = @'
using System;
namespace QlikAzureStandIn {
    public class Sid { public string Value; public override string ToString() { return Value; } }
    public class WindowsIdentity {
        public static Func<string> CurrentSid;
        public Sid User;
        public static WindowsIdentity GetCurrent() { return new WindowsIdentity { User = new Sid { Value = CurrentSid() } }; }
    }
    public class WindowsPrincipal {
        public static Func<bool> Elevated;
        public WindowsPrincipal(WindowsIdentity identity) { }
        public bool IsInRole(object role) {
            if (role.ToString() != "Administrator") throw new NotSupportedException("stand-in: IsInRole(" + role + ") is not implemented");
            return Elevated();
        }
    }
    public class PrincipalContext : IDisposable {
        public static Func<string, string, bool> Validate;
        public PrincipalContext(object contextType) {
            if (contextType.ToString() != "Machine") throw new NotSupportedException("stand-in: PrincipalContext(" + contextType + ") is not implemented");
        }
        public bool ValidateCredentials(string userName, string password) { return Validate(userName, password); }
        public void Dispose() { }
    }
    // DPAPI with LocalMachine scope: any process of the machine can decrypt, none elsewhere. Here: AES-GCM
    // with a random key kept in the machine folder (dpapi-machine.key, owner-only), as Windows keeps its own.
    public static class ProtectedData {
        public static string KeyFile;
        static byte[] Key() {
            if (!System.IO.File.Exists(KeyFile)) {
                try {
                    using (var file = new System.IO.FileStream(KeyFile, System.IO.FileMode.CreateNew)) { file.Write(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)); }
                    System.IO.File.SetUnixFileMode(KeyFile, System.IO.UnixFileMode.UserRead | System.IO.UnixFileMode.UserWrite);
                } catch (System.IO.IOException) { }
            }
            return System.IO.File.ReadAllBytes(KeyFile);
        }
        static void RequireMachineScope(byte[] entropy, object scope) {
            if (entropy != null || scope.ToString() != "LocalMachine") throw new NotSupportedException("stand-in: ProtectedData with entropy or scope " + scope + " is not implemented");
        }
        public static byte[] Protect(byte[] data, byte[] entropy, object scope) {
            RequireMachineScope(entropy, scope);
            var nonce = System.Security.Cryptography.RandomNumberGenerator.GetBytes(12);
            var sealedData = new byte[12 + 16 + data.Length];
            using (var aes = new System.Security.Cryptography.AesGcm(Key(), 16)) {
                aes.Encrypt(nonce, data, new Span<byte>(sealedData, 28, data.Length), new Span<byte>(sealedData, 12, 16));
            }
            nonce.CopyTo(sealedData, 0);
            return sealedData;
        }
        public static byte[] Unprotect(byte[] sealedData, byte[] entropy, object scope) {
            RequireMachineScope(entropy, scope);
            var data = new byte[sealedData.Length - 28];
            using (var aes = new System.Security.Cryptography.AesGcm(Key(), 16)) {
                aes.Decrypt(new ReadOnlySpan<byte>(sealedData, 0, 12), new ReadOnlySpan<byte>(sealedData, 28, data.Length), new ReadOnlySpan<byte>(sealedData, 12, 16), data);
            }
            return data;
        }
    }
}
'@
# Compiled once per source text and kept next to the machines: compiling C# costs seconds on every run.
if (-not ('QlikAzureStandIn.WindowsIdentity' -as [type])) {
    $sourceHash = -join ([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($typeSource))[0..7] | ForEach-Object { $_.ToString('x2') })
    $assembly = Join-Path (Split-Path -Parent $script:MachineDir) "windows-standin-$sourceHash.dll"
    if (-not [IO.File]::Exists($assembly)) {
        $building = "$assembly.$PID"
        Add-Type -TypeDefinition $typeSource -OutputAssembly $building
        Move-Item -LiteralPath $building -Destination $assembly -Force
    }
    Add-Type -Path $assembly
}
[QlikAzureStandIn.WindowsIdentity]::CurrentSid = { if ($script:RunAs -eq 'SYSTEM') { $LocalSystemSid } else { $script:State.users[$script:RunAs].sid } }
[QlikAzureStandIn.WindowsPrincipal]::Elevated = { $script:Elevated }
[QlikAzureStandIn.ProtectedData]::KeyFile = Join-Path $script:MachineDir 'dpapi-machine.key'
[QlikAzureStandIn.PrincipalContext]::Validate = { param($name, $password) Test-StandInCredential -Name $name -Password $password }
$accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
$accelerators::Add('Security.Principal.WindowsIdentity', [QlikAzureStandIn.WindowsIdentity])
$accelerators::Add('Security.Principal.WindowsPrincipal', [QlikAzureStandIn.WindowsPrincipal])
$accelerators::Add('System.DirectoryServices.AccountManagement.PrincipalContext', [QlikAzureStandIn.PrincipalContext])
# On Linux the real class throws PlatformNotSupportedException.
$accelerators::Add('Security.Cryptography.ProtectedData', [QlikAzureStandIn.ProtectedData])

function Test-StandInCredential {
    param([string]$Name, [string]$Password)
    $user = $script:State.users[$Name]
    $null -ne $user -and $user.enabled -and $user.passwordHash -eq (Get-StandInPasswordHash $Password)
}

# ---- local users and groups ----------------------------------------------------------------------
function Assert-PasswordPolicy {
    param([string]$Name, [string]$Password)
    # "Password must meet complexity requirements", on in Azure's Windows images: characters of 3 of the
    # categories, and not the account name (case-insensitive, for names of 3 characters or more).
    # https://learn.microsoft.com/previous-versions/windows/it-pro/windows-10/security/threat-protection/security-policy-settings/password-must-meet-complexity-requirements
    $classes = @('[a-z]', '[A-Z]', '[0-9]', '[^A-Za-z0-9]' | Where-Object { $Password -cmatch $_ }).Count
    if ($classes -lt 3 -or ($Name.Length -ge 3 -and $Password.IndexOf($Name, [StringComparison]::OrdinalIgnoreCase) -ge 0)) {
        throw [InvalidOperationException]::new('The password does not meet the password policy requirements. Check the minimum password length, password complexity and password history requirements.')
    }
}

function ConvertTo-LocalUserObject {
    param([string]$Name)
    $user = $script:State.users[$Name]
    [pscustomobject]@{
        Name = $Name; Enabled = $user.enabled; Description = $user.description; SID = $user.sid
        PasswordExpires = if ($user.passwordNeverExpires) { $null } else { (Get-Date).AddDays(42) }
        UserMayChangePassword = $user.userMayChangePassword
    }
}

function Get-LocalUser {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name)
    if (-not $script:State.users.ContainsKey($Name)) {
        $PSCmdlet.WriteError((New-StandInError "User $Name was not found." -Target $Name))
        return
    }
    ConvertTo-LocalUserObject $Name
}

function New-LocalUser {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name, [Parameter(Mandatory)][securestring]$Password,
        [switch]$PasswordNeverExpires, [switch]$UserMayNotChangePassword, [string]$Description)
    if ($script:State.users.ContainsKey($Name)) { throw "User $Name already exists." }
    if ($Name.Length -gt 20) { throw "The name $Name is too long." }
    $plain = ConvertFrom-StandInSecureString $Password
    Assert-PasswordPolicy -Name $Name -Password $plain
    $rid = 1000 + $script:State.users.Count
    $script:State.users[$Name] = @{
        sid = "S-1-5-21-1004336348-1177238915-682003330-$rid"; enabled = $true; description = $Description
        passwordHash = Get-StandInPasswordHash $plain; passwordNeverExpires = [bool]$PasswordNeverExpires
        userMayChangePassword = -not $UserMayNotChangePassword
    }
    Save-StandInState
    ConvertTo-LocalUserObject $Name
}

function Set-LocalUser {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name, [securestring]$Password, [bool]$PasswordNeverExpires, [bool]$UserMayChangePassword)
    $user = $script:State.users[$Name]
    if (-not $user) { throw "User $Name was not found." }
    if ($PSBoundParameters.ContainsKey('Password')) {
        $plain = ConvertFrom-StandInSecureString $Password
        Assert-PasswordPolicy -Name $Name -Password $plain
        $user.passwordHash = Get-StandInPasswordHash $plain
    }
    if ($PSBoundParameters.ContainsKey('PasswordNeverExpires')) { $user.passwordNeverExpires = $PasswordNeverExpires }
    if ($PSBoundParameters.ContainsKey('UserMayChangePassword')) { $user.userMayChangePassword = $UserMayChangePassword }
    Save-StandInState
}

function Enable-LocalUser {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name)
    if (-not $script:State.users.ContainsKey($Name)) { throw "User $Name was not found." }
    $script:State.users[$Name].enabled = $true
    Save-StandInState
}

function Get-StandInGroup {
    param([string]$Sid)
    Assert-StandIn ($Sid -eq $AdministratorsSid) "local group $Sid"
    $script:State.administrators
}

function Get-LocalGroupMember {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$SID)
    foreach ($member in @(Get-StandInGroup $SID)) {
        [pscustomobject]@{ Name = "$env:COMPUTERNAME\$member"; ObjectClass = 'User'; PrincipalSource = 'Local' }
    }
}

function Add-LocalGroupMember {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$SID, [Parameter(Mandatory)][string[]]$Member)
    $members = [Collections.Generic.List[string]]@(Get-StandInGroup $SID)
    foreach ($name in $Member) {
        if (-not $script:State.users.ContainsKey($name)) { throw "Principal $name was not found." }
        if ($members -contains $name) { throw "$env:COMPUTERNAME\$name is already a member of group Administrators." }
        $members.Add($name)
    }
    $script:State.administrators = $members.ToArray()
    Save-StandInState
}

# ---- services --------------------------------------------------------------------------------------
function Get-Service {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name)
    $service = $script:State.services[$Name]
    if (-not $service) {
        $PSCmdlet.WriteError((New-StandInError "Cannot find any service with service name '$Name'." -Target $Name))
        return
    }
    [pscustomobject]@{ Name = $Name; Status = $service.status; StartType = $service.startType }
}

function Get-CimInstance {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$ClassName, [string]$Filter)
    switch ($ClassName) {
        'Win32_OperatingSystem' {
            Assert-StandIn (-not $Filter) "Get-CimInstance $ClassName -Filter"
            $os = $script:State.os
            return [pscustomobject]@{ Caption = $os.caption; Version = $os.version; ProductType = $os.productType }
        }
        'Win32_LogicalDisk' {
            Assert-StandIn ($Filter -eq "DeviceID='C:'") "Get-CimInstance $ClassName -Filter $Filter"
            return [pscustomobject]@{ DeviceID = 'C:'; FreeSpace = [long]$script:State.freeSpaceBytes }
        }
        'Win32_Service' {
            Assert-StandIn ($Filter -eq "Name LIKE 'QlikSense%'") "Get-CimInstance $ClassName -Filter $Filter"
            foreach ($name in @($script:State.services.Keys | Where-Object { $_ -like 'QlikSense*' } | Sort-Object)) {
                $service = $script:State.services[$name]
                [pscustomobject]@{ PSTypeName = 'StandIn.Win32_Service'; Name = $name; StartName = $service.startName; State = $service.status }
            }
            return
        }
    }
    Assert-StandIn $false "Get-CimInstance -ClassName $ClassName"
}

function Invoke-CimMethod {
    [CmdletBinding()]
    param([Parameter(Mandatory)]$InputObject, [Parameter(Mandatory)][string]$MethodName, [hashtable]$Arguments)
    Assert-StandIn ($InputObject.PSObject.TypeNames -contains 'StandIn.Win32_Service' -and $MethodName -eq 'Change') "Invoke-CimMethod $MethodName"
    Assert-StandIn (@($Arguments.Keys | Where-Object { $_ -notin 'StartName', 'StartPassword' }).Count -eq 0) "Win32_Service.Change with $($Arguments.Keys -join ', ')"
    $service = $script:State.services[$InputObject.Name]
    $account = ($Arguments.StartName -split '\\')[-1]
    # Win32_Service.Change: 22 = the account does not exist.
    if (-not $script:State.users.ContainsKey($account)) { return [pscustomobject]@{ ReturnValue = 22 } }
    $service.startName = $Arguments.StartName
    $service.logonPasswordHash = Get-StandInPasswordHash $Arguments.StartPassword
    Save-StandInState
    [pscustomobject]@{ ReturnValue = 0 }
}

# ---- Windows Firewall ------------------------------------------------------------------------------
function ConvertTo-FirewallRuleObject {
    param([string]$Name)
    $rule = $script:State.firewallRules[$Name]
    [pscustomobject]@{
        PSTypeName = 'StandIn.NetFirewallRule'; Name = $Name; DisplayName = $rule.displayName; Group = $rule.group
        Enabled = $rule.enabled; Direction = $rule.direction; Action = $rule.action; Profile = $rule.profile
    }
}

function Get-NetFirewallRule {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name)
    $names = @($script:State.firewallRules.Keys | Where-Object { $_ -like $Name } | Sort-Object)
    if ($names.Count -eq 0) {
        $PSCmdlet.WriteError((New-StandInError "No MSFT_NetFirewallRule objects found with property 'InstanceID' equal to '$Name'." -Target $Name))
        return
    }
    foreach ($ruleName in $names) { ConvertTo-FirewallRuleObject $ruleName }
}

function Get-NetFirewallPortFilter {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)]$AssociatedNetFirewallRule)
    process {
        $rule = $script:State.firewallRules[$AssociatedNetFirewallRule.Name]
        [pscustomobject]@{ Protocol = $rule.protocol; LocalPort = $rule.localPort }
    }
}

function Set-StandInFirewallRule {
    param([string]$Name, [hashtable]$Fields)
    Assert-StandIn ($Fields.Profile -eq 'Any' -and $Fields.Protocol -eq 'TCP') "a firewall rule for profile $($Fields.Profile), protocol $($Fields.Protocol)"
    $script:State.firewallRules[$Name] = @{
        displayName = $Fields.DisplayName; group = $Fields.Group; enabled = 'True'; direction = $Fields.Direction
        action = $Fields.Action; protocol = $Fields.Protocol; localPort = [string]$Fields.LocalPort; profile = $Fields.Profile
    }
    Save-StandInState
}

function New-NetFirewallRule {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name, [string]$DisplayName, [string]$Group, [string]$Direction, [string]$Action,
        [string]$Protocol, [string]$LocalPort, [string]$Profile)
    if ($script:State.firewallRules.ContainsKey($Name)) { throw "Cannot create a file when that file already exists." }
    Set-StandInFirewallRule -Name $Name -Fields $PSBoundParameters
    ConvertTo-FirewallRuleObject $Name
}

function Set-NetFirewallRule {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name, [string]$Enabled, [string]$Direction, [string]$Action,
        [string]$Protocol, [string]$LocalPort, [string]$Profile)
    $existing = $script:State.firewallRules[$Name]
    if (-not $existing) { throw "No MSFT_NetFirewallRule objects found with property 'InstanceID' equal to '$Name'." }
    $fields = @{ DisplayName = $existing.displayName; Group = $existing.group } + $PSBoundParameters
    Set-StandInFirewallRule -Name $Name -Fields $fields
}

function Remove-NetFirewallRule {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name)
    if (-not $script:State.firewallRules.ContainsKey($Name)) { throw "No MSFT_NetFirewallRule objects found with property 'InstanceID' equal to '$Name'." }
    $script:State.firewallRules.Remove($Name)
    Save-StandInState
}

# ---- SMB share and NTFS rights ---------------------------------------------------------------------
function Get-SmbShare {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name)
    $share = $script:State.shares[$Name]
    if (-not $share) {
        $PSCmdlet.WriteError((New-StandInError "No MSFT_SmbShare objects found with property 'Name' equal to '$Name'." -Target $Name))
        return
    }
    [pscustomobject]@{ Name = $Name; Path = $share.path }
}

function New-SmbShare {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name, [Parameter(Mandatory)][string]$Path, [string[]]$FullAccess)
    if ($script:State.shares.ContainsKey($Name)) { throw 'The name has already been shared.' }
    if (-not (Test-Path -LiteralPath $Path -PathType Container)) { throw 'The system cannot find the file specified.' }
    $script:State.shares[$Name] = @{ path = $Path; access = @($FullAccess | ForEach-Object { @{ accountName = $_; accessRight = 'Full' } }) }
    Save-StandInState
    [pscustomobject]@{ Name = $Name; Path = $Path }
}

function Get-SmbShareAccess {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name)
    foreach ($entry in @($script:State.shares[$Name].access)) {
        [pscustomobject]@{ Name = $Name; AccountName = $entry.accountName; AccessRight = $entry.accessRight; AccessControlType = 'Allow' }
    }
}

function Grant-SmbShareAccess {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name, [Parameter(Mandatory)][string]$AccountName, [Parameter(Mandatory)][string]$AccessRight, [switch]$Force)
    $share = $script:State.shares[$Name]
    $share.access = @(@($share.access | Where-Object { $_.accountName -ne $AccountName }) + @{ accountName = $AccountName; accessRight = $AccessRight })
    Save-StandInState
}

# icacls.exe as install-qlik.ps1 and the envelope's run folder call it: inheritance removed, full control
# for the SIDs given, full control or modify for a local account (<machine>\<user>).
function icacls.exe {
    $path, $options = $args
    Assert-StandIn ($options[0] -eq '/inheritance:r' -and $options[1] -eq '/grant:r') "icacls $($options -join ' ')"
    if (-not (Test-Path -LiteralPath $path)) {
        $global:LASTEXITCODE = 2
        return "${path}: The system cannot find the file specified."
    }
    foreach ($grant in $options | Select-Object -Skip 2) {
        if ($grant -match '^([^\\:*]+)\\([^\\:]+):\(OI\)\(CI\)[FM]$' -and $Matches[1] -eq $env:COMPUTERNAME) {
            if ($script:State.users.ContainsKey($Matches[2])) { continue }
            $global:LASTEXITCODE = 1332
            return "$($Matches[1])\$($Matches[2]): No mapping between account names and security IDs was done."
        }
        Assert-StandIn ($grant -match '^\*S-[0-9-]+:\(OI\)\(CI\)F$') "icacls grant $grant"
    }
    $script:State.acls[$path] = @($options | Select-Object -Skip 2)
    Save-StandInState
    $global:LASTEXITCODE = 0
    'Successfully processed 1 files; Failed processing 0 files'
}

# ---- registry: the uninstall keys only ---------------------------------------------------------------
function Get-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][string[]]$Path)
    $registry = @($Path | Where-Object { $_ -match '^HK[A-Z]+:' })
    if ($registry.Count -eq 0) { return Microsoft.PowerShell.Management\Get-ItemProperty -Path $Path }
    foreach ($key in $registry) {
        Assert-StandIn ($key -match '^HKLM:\\SOFTWARE\\(Wow6432Node\\)?Microsoft\\Windows\\CurrentVersion\\Uninstall\\\*$') "registry path $key"
        # Qlik Sense registers in the 64-bit view only.
        if ($key -notmatch 'Wow6432Node') {
            foreach ($entry in @($script:State.uninstall)) { [pscustomobject]@{ DisplayName = $entry.displayName; DisplayVersion = $entry.displayVersion } }
        }
    }
}

# ---- certificates (Cert:\<location>\<store>), kept as PFX files under certificates/ -------------------
# Only the stores qrs.ps1 reads. certificate-import.ps1 (step 48: Import-PfxCertificate, the private key's
# file and its ACL) is not modelled: it fails here ("not recognized"), never passes silently.
function Get-StandInStoreDirectory {
    param([string]$Location, [string]$Store)
    $owner = if ($Location -eq 'CurrentUser') { $script:RunAs } else { 'LocalMachine' }
    Join-Path $script:MachineDir "certificates/$owner/$Store"
}

function Split-CertPath {
    param([string]$Path)
    if ($Path -notmatch '^Cert:\\(CurrentUser|LocalMachine)\\(My|Root)$') { return $null }
    Get-StandInStoreDirectory $Matches[1] $Matches[2]
}

function Read-StandInCertificate {
    param([string]$File)
    [Security.Cryptography.X509Certificates.X509Certificate2]::new([IO.File]::ReadAllBytes($File), [string]$null,
        [Security.Cryptography.X509Certificates.X509KeyStorageFlags]::Exportable)
}

function Get-StandInStoreCertificate {
    param([string]$Directory)
    if (-not (Test-Path -LiteralPath $Directory)) { return }
    foreach ($file in Microsoft.PowerShell.Management\Get-ChildItem -LiteralPath $Directory -Filter '*.pfx') { Read-StandInCertificate $file.FullName }
}

function Add-StandInCertificate {
    param([string]$Location, [string]$Store, [Security.Cryptography.X509Certificates.X509Certificate2]$Certificate)
    $directory = Get-StandInStoreDirectory $Location $Store
    [IO.Directory]::CreateDirectory($directory) | Out-Null
    $type = if ($Certificate.HasPrivateKey) { 'Pfx' } else { 'Cert' }
    $file = Join-Path $directory "$($Certificate.Thumbprint).pfx"
    [IO.File]::WriteAllBytes($file, $Certificate.Export([Security.Cryptography.X509Certificates.X509ContentType]::$type))
    if ($IsLinux) { [IO.File]::SetUnixFileMode($file, [IO.UnixFileMode]'UserRead, UserWrite') }
}

function Get-ChildItem {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$Path, [string]$LiteralPath, [string]$Filter, [switch]$Directory)
    $target = if ($LiteralPath) { $LiteralPath } else { $Path }
    if ($target -notmatch '^Cert:') { return Microsoft.PowerShell.Management\Get-ChildItem @PSBoundParameters }
    $store = Split-CertPath $target
    Assert-StandIn ($null -ne $store -and -not $Filter) "Get-ChildItem $target"
    Get-StandInStoreCertificate -Directory $store
}

# ---- the local repository's status port (http://localhost:4444), as install-qlik.ps1 polls it ---------
function Invoke-RestMethod {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Uri, [switch]$UseBasicParsing, [int]$TimeoutSec, [hashtable]$Headers)
    Assert-StandIn ($Uri -match '^http://localhost:4444/status/servicestate\?xrfkey=([0-9A-Za-z]{16})$' -and $Headers['X-Qlik-Xrfkey'] -eq $Matches[1]) "Invoke-RestMethod $($Uri.Split('?')[0])"
    $repository = $script:State.services['QlikSenseRepositoryService']
    if (-not $repository -or $repository.status -ne 'Running') { throw 'No connection could be made because the target machine actively refused it. (localhost:4444)' }
    # 2 = Running (0 initializing, 1 certificates not installed).
    [pscustomobject]@{ value = 2 }
}

# ---- Task Scheduler: a started task runs its action at once, in this process -------------------------
function New-ScheduledTaskAction {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Execute, [string]$Argument)
    [pscustomobject]@{ PSTypeName = 'StandIn.TaskAction'; Execute = $Execute; Arguments = $Argument }
}

function New-ScheduledTaskSettingsSet {
    [CmdletBinding()]
    param([ValidateRange(0, 10)][int]$Priority)
    [pscustomobject]@{ PSTypeName = 'StandIn.TaskSettings'; Priority = $Priority }
}

function Register-ScheduledTask {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$TaskName, [Parameter(Mandatory)]$Action, $Settings, [string]$User, [string]$Password,
        [ValidateSet('Limited', 'Highest')][string]$RunLevel = 'Limited', [switch]$Force)
    if ($script:State.tasks.ContainsKey($TaskName) -and -not $Force) { throw 'Cannot create a file when that file already exists.' }
    $account = ($User -split '\\')[-1]
    Assert-StandIn (($User -split '\\')[0] -eq $env:COMPUTERNAME) "a task running as $User"
    # Task Scheduler checks the credentials when the task is registered.
    if (-not (Test-StandInCredential -Name $account -Password $Password)) { throw 'The user name or password is incorrect.' }
    $script:State.tasks[$TaskName] = @{ execute = $Action.Execute; user = $account; runLevel = $RunLevel; state = 'Ready'; lastTaskResult = $TaskHasNotRun }
    $script:TaskArguments[$TaskName] = $Action.Arguments
    Save-StandInState
    [pscustomobject]@{ TaskName = $TaskName; State = 'Ready' }
}

function Get-StandInTask {
    param([string]$TaskName, $Cmdlet)
    $task = $script:State.tasks[$TaskName]
    if (-not $task) { $Cmdlet.WriteError((New-StandInError "No MSFT_ScheduledTask objects found with property 'TaskName' equal to '$TaskName'." -Target $TaskName)) }
    $task
}

function Get-ScheduledTask {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$TaskName)
    # A name with wildcards lists the matching tasks (the envelope's leftovers: 'qlik-azure run *').
    $names = @(if ([Management.Automation.WildcardPattern]::ContainsWildcardCharacters($TaskName)) { $script:State.tasks.Keys | Where-Object { $_ -like $TaskName } | Sort-Object } else { $TaskName })
    if ($names.Count -eq 0) { $null = Get-StandInTask $TaskName $PSCmdlet }
    foreach ($name in $names) {
        $task = Get-StandInTask $name $PSCmdlet
        if ($task) { [pscustomobject]@{ TaskName = $name; State = $task.state } }
    }
}

function Get-ScheduledTaskInfo {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$TaskName)
    $task = Get-StandInTask $TaskName $PSCmdlet
    if ($task) { [pscustomobject]@{ TaskName = $TaskName; LastTaskResult = [uint32]$task.lastTaskResult } }
}

function Start-ScheduledTask {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$TaskName)
    $task = Get-StandInTask $TaskName $PSCmdlet
    if (-not $task) { return }
    $elevated = $task.runLevel -eq 'Highest' -and $script:State.administrators -contains $task.user
    $exitCode = switch (($task.execute -split '[\\/]')[-1]) {
        'Qlik_Sense_setup.exe' { Invoke-StandInQlikInstaller -Path $task.execute -ArgumentLine $script:TaskArguments[$TaskName] -Elevated ($task.runLevel -eq 'Highest') }
        'cmd.exe' { Invoke-StandInCmdTask -Execute $task.execute -ArgumentLine $script:TaskArguments[$TaskName] -Account $task.user -Elevated $elevated }
        default { Assert-StandIn $false "a scheduled task running $($task.execute)" }
    }
    $task.state = 'Ready'
    $task.lastTaskResult = [BitConverter]::ToUInt32([BitConverter]::GetBytes([int]$exitCode), 0)
    Save-StandInState
}

function Stop-ScheduledTask {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$TaskName)
    $task = Get-StandInTask $TaskName $PSCmdlet
    if ($task) { $task.state = 'Ready'; Save-StandInState }
}

function Unregister-ScheduledTask {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param([Parameter(Mandatory)][string]$TaskName)
    if (-not (Get-StandInTask $TaskName $PSCmdlet)) { return }
    $script:State.tasks.Remove($TaskName)
    $script:TaskArguments.Remove($TaskName)
    Save-StandInState
}

# The envelope's task action: cmd.exe /d /c ""<powershell.exe>" <words> 1>"<stdout>" 2>"<stderr>"" as the task's
# account. cmd.exe /c strips the outer quotes (more than two quotes on the line); the inner PowerShell is pwsh
# with this stand-in, as the account (its CurrentUser stores), with its streams written to the two files.
function Invoke-StandInCmdTask {
    param([string]$Execute, [string]$ArgumentLine, [string]$Account, [bool]$Elevated)
    $pattern = '^/d /c ""(?<exe>[^"]+)" (?<words>.*) 1>"(?<out>[^"]+)" 2>"(?<err>[^"]+)""$'
    Assert-StandIn ($Execute -eq "$env:SystemRoot\System32\cmd.exe" -and $ArgumentLine -match $pattern -and ($Matches.exe -split '[\\/]')[-1] -eq 'powershell.exe') "a task running $Execute $($ArgumentLine -replace ' .*', ' ...')"
    $streams = @{ out = ConvertTo-StandInRealPath $Matches.out; err = ConvertTo-StandInRealPath $Matches.err }
    $words = Split-StandInCommandLine $Matches.words
    $file = [array]::IndexOf([string[]]$words, '-File')
    Assert-StandIn ($file -ge 0 -and @($words[0..($file - 1)] | Where-Object { $_ -notin '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass' }).Count -eq 0) "powershell.exe $($words -join ' ')"
    $script = ConvertTo-StandInRealPath $words[$file + 1]
    $arguments = @($words | Select-Object -Skip ($file + 2))
    $saved = @{ run = $env:QLIK_STANDIN_RUN_AS; elevated = $env:QLIK_STANDIN_ELEVATED }
    $env:QLIK_STANDIN_RUN_AS = $Account
    $env:QLIK_STANDIN_ELEVATED = if ($Elevated) { '1' } else { '' }
    try {
        & pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'bootstrap.ps1') $script @arguments 1> $streams.out 2> $streams.err
        $LASTEXITCODE
    } finally {
        $env:QLIK_STANDIN_RUN_AS = $saved.run
        $env:QLIK_STANDIN_ELEVATED = $saved.elevated
    }
}

# A path on the machine's C: drive ('\' or '/' as separators) as the file it is in the machine folder.
function ConvertTo-StandInRealPath {
    param([string]$Path)
    Assert-StandIn ($Path -match '^C:[\\/](?<rest>.*)$') "a path outside C: ($Path)"
    Join-Path $driveRoot ($Matches.rest -replace '\\', '/')
}

# ---- Qlik_Sense_setup.exe ------------------------------------------------------------------------------
# Splits a command line as the Microsoft C runtime does for the plain cases the templates produce:
# blanks separate words, a double-quoted part keeps its blanks.
function Split-StandInCommandLine {
    param([string]$Line)
    @([regex]::Matches($Line, '(?:"[^"]*"|[^\s"])+') | ForEach-Object { $_.Value.Replace('"', '') })
}

# The stand-in's Qlik_Sense_setup.exe is a text file whose first line names the release it installs
# ("Qlik Sense November 2025"), as a real setup.exe knows its own release.
function Get-StandInInstallerRelease {
    param([string]$Path)
    if (-not (Test-Path -LiteralPath $Path)) { throw "stand-in: the scheduled task's program $Path does not exist" }
    $release = (Microsoft.PowerShell.Management\Get-Content -LiteralPath $Path -TotalCount 1)
    if ($release -notmatch '^Qlik Sense [A-Za-z]+ \d{4}$') { throw "stand-in: $Path is not a stand-in installer (its first line must name a release, e.g. 'Qlik Sense May 2025')" }
    $release
}

function Invoke-StandInQlikInstaller {
    param([string]$Path, [string]$ArgumentLine, [bool]$Elevated)
    $release = Get-StandInInstallerRelease $Path
    $words = Split-StandInCommandLine $ArgumentLine
    $settings = @{}
    $switches = @()
    for ($i = 0; $i -lt $words.Count; $i++) {
        $word = $words[$i]
        if ($word -eq '-log') { $settings['-log'] = $words[++$i] }
        elseif ($word -match '^([a-z]+)=(.*)$') { $settings[$Matches[1]] = $Matches[2] }
        else { $switches += $word }
    }
    $logPath = $settings['-log']
    $log = [Collections.Generic.List[string]]::new()
    $finish = {
        param([int]$Code, [string]$Why)
        $log.Add("exit code $Code$(if ($Why) { ": $Why" })")
        if ($logPath) { Microsoft.PowerShell.Management\Set-Content -LiteralPath $logPath -Value $log }
        $Code
    }
    # Without -silent the installer opens its wizard and waits; without an elevated token, for UAC consent.
    if ($switches -notcontains '-silent' -and $switches -notcontains '-s') { throw 'stand-in: Qlik_Sense_setup.exe started without -silent would wait for its wizard forever' }
    if (-not $Elevated) { throw 'stand-in: Qlik_Sense_setup.exe without a full administrator token would wait for a UAC consent nobody gives' }
    $unknown = @($switches | Where-Object { $_ -notin '-silent', '-s' }) + @($settings.Keys | Where-Object { $_ -notin '-log', 'accepteula', 'desktopshortcut', 'skipstartservices', 'userwithdomain', 'userpassword', 'dbpassword', 'hostname', 'sharedpersistenceconfig', 'installdir', 'skipvalidation' })
    if ($unknown.Count -gt 0) { return & $finish 1603 "unknown arguments $($unknown -join ' ')" }
    # Qlik documents no exit codes of its own; it passes Windows Installer's through (1603 = fatal error).
    if ($settings.accepteula -ne '1') { return & $finish 1603 'the license agreement was not accepted (accepteula=1)' }
    $account = [string]$settings.userwithdomain
    if ($account -notmatch '^([^\\]+)\\([^\\]+)$' -or $Matches[1] -ne $env:COMPUTERNAME) { return & $finish 1603 "userwithdomain '$account' is not <machine>\<user>" }
    $accountName = $Matches[2]
    if ($script:State.administrators -notcontains $accountName) { return & $finish 1603 "the service account $account is not a local administrator" }
    if (-not (Test-StandInCredential -Name $accountName -Password ([string]$settings.userpassword))) { return & $finish 1603 "userpassword is not the password of $account" }
    if (-not $settings.dbpassword) { return & $finish 1603 'dbpassword is required with a local repository database' }
    $hostName = if ($settings.hostname) { $settings.hostname } else { $env:COMPUTERNAME }
    $config = Read-StandInSharedPersistenceConfig -Path $settings.sharedpersistenceconfig
    if ($config -is [string]) { return & $finish 1603 $config }
    if ($config.DbUserPassword -ne $settings.dbpassword) { return & $finish 1603 'spc.cfg DbUserPassword differs from dbpassword (one local database, one password)' }
    $rootShare = $config.RootDir -replace '^\\\\[^\\]+\\', ''
    if (-not $script:State.shares.ContainsKey($rootShare)) { return & $finish 1603 "RootDir $($config.RootDir) is not a share of this machine" }
    $log.Add("installing as $account, hostname $hostName, shared persistence $($config.RootDir)")
    Install-StandInQlikSense -Release $release -HostName $hostName -AccountName $accountName
    & $finish 0 ''
}

function Read-StandInSharedPersistenceConfig {
    param([string]$Path)
    if (-not $Path -or -not (Test-Path -LiteralPath $Path)) { return "sharedpersistenceconfig '$Path' not found" }
    $xml = [xml](Microsoft.PowerShell.Management\Get-Content -Raw -LiteralPath $Path)
    $root = $xml.SharedPersistenceConfiguration
    if (-not $root) { return 'spc.cfg has no SharedPersistenceConfiguration element' }
    $values = @{}
    foreach ($element in $root.ChildNodes) { $values[$element.LocalName] = $element.InnerText }
    foreach ($name in 'DbUserName', 'DbUserPassword', 'DbHost', 'DbPort', 'RootDir', 'AppsDir', 'StaticContentRootDir', 'ArchivedLogsDir', 'CreateCluster', 'InstallLocalDb') {
        if (-not $values[$name]) { return "spc.cfg lacks $name" }
    }
    if ($values.CreateCluster -ne 'true' -or $values.InstallLocalDb -ne 'true') { return 'only a new cluster with a local database is modelled' }
    $values
}

function New-StandInCertificate {
    param([string]$Subject, $Issuer, [switch]$Authority, [string[]]$DnsNames, [string]$Usage)
    $key = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new($Subject, $key, [Security.Cryptography.HashAlgorithmName]::SHA256)
    $extensions = $request.CertificateExtensions
    $extensions.Add([Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new([bool]$Authority, $false, 0, $true))
    if ($DnsNames) {
        $names = [Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        foreach ($name in $DnsNames) { $names.AddDnsName($name) }
        $extensions.Add($names.Build())
    }
    if ($Usage) {
        $oids = [Security.Cryptography.OidCollection]::new()
        $oids.Add([Security.Cryptography.Oid]::new($Usage)) | Out-Null
        $extensions.Add([Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($oids, $false))
    }
    $from = [DateTimeOffset]::UtcNow.AddMinutes(-5)
    if (-not $Issuer) { return $request.CreateSelfSigned($from, $from.AddYears(5)) }
    $until = $Issuer.NotAfter.ToUniversalTime().AddDays(-1)
    $serial = [byte[]]::new(12)
    [Security.Cryptography.RandomNumberGenerator]::Fill($serial)
    [Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::CopyWithPrivateKey($request.Create($Issuer, $from, $until, $serial), $key)
}

# What the real installer leaves behind: the release in Programs and Features, the services running as the
# service account, Host.cfg, and (on the repository's first start) the site CA, the node's server
# certificate and the QlikClient certificate in the service account's personal store.
function Install-StandInQlikSense {
    param([string]$Release, [string]$HostName, [string]$AccountName)
    $script:State.uninstall = @(@{ displayName = $Release; displayVersion = '14.254.6' })
    foreach ($name in $QlikServiceNames) {
        $script:State.services[$name] = @{ status = 'Running'; startType = 'Automatic'; startName = ".\$AccountName"; logonPasswordHash = $script:State.users[$AccountName].passwordHash }
    }
    $hostConfig = Join-Path $env:ProgramData 'Qlik\Sense\Host.cfg'
    Microsoft.PowerShell.Management\New-Item -ItemType Directory -Force -Path (Split-Path -Parent $hostConfig) | Out-Null
    Microsoft.PowerShell.Management\Set-Content -LiteralPath $hostConfig -Value ([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($HostName))) -NoNewline
    $ca = New-StandInCertificate -Subject "CN=$HostName-CA" -Authority
    Add-StandInCertificate -Location LocalMachine -Store Root -Certificate ([Security.Cryptography.X509Certificates.X509Certificate2]::new($ca.RawData))
    $server = New-StandInCertificate -Subject "CN=$HostName" -Issuer $ca -DnsNames $HostName -Usage '1.3.6.1.5.5.7.3.1'
    Add-StandInCertificate -Location LocalMachine -Store My -Certificate $server
    $client = New-StandInCertificate -Subject 'CN=QlikClient' -Issuer $ca -Usage '1.3.6.1.5.5.7.3.2'
    $saved = $script:RunAs
    $script:RunAs = $AccountName
    try { Add-StandInCertificate -Location CurrentUser -Store My -Certificate $client } finally { $script:RunAs = $saved }
    # The repository exports its certificates as PEM files; the simulator's fake QRS serves TLS with them.
    $exported = Join-Path $env:ProgramData 'Qlik\Sense\Repository\Exported Certificates\.Local Certificates'
    Microsoft.PowerShell.Management\New-Item -ItemType Directory -Force -Path $exported | Out-Null
    $pem = @{ 'root.pem' = $ca.ExportCertificatePem(); 'server.pem' = $server.ExportCertificatePem(); 'server_key.pem' = [Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($server).ExportPkcs8PrivateKeyPem() }
    foreach ($name in $pem.Keys) { Microsoft.PowerShell.Management\Set-Content -LiteralPath (Join-Path $exported $name) -Value $pem[$name] }
    $script:State.qrs = @{ hostName = $HostName }
    Save-StandInState
}

Export-ModuleMember -Function @(
    'New-Item', 'Get-LocalUser', 'New-LocalUser', 'Set-LocalUser', 'Enable-LocalUser', 'Get-LocalGroupMember', 'Add-LocalGroupMember',
    'Get-Service', 'Get-CimInstance', 'Invoke-CimMethod',
    'Get-NetFirewallRule', 'Get-NetFirewallPortFilter', 'New-NetFirewallRule', 'Set-NetFirewallRule', 'Remove-NetFirewallRule',
    'Get-SmbShare', 'New-SmbShare', 'Get-SmbShareAccess', 'Grant-SmbShareAccess', 'icacls.exe',
    'Get-ItemProperty', 'Get-ChildItem', 'Invoke-RestMethod',
    'New-ScheduledTaskAction', 'New-ScheduledTaskSettingsSet', 'Register-ScheduledTask', 'Get-ScheduledTask', 'Get-ScheduledTaskInfo',
    'Start-ScheduledTask', 'Stop-ScheduledTask', 'Unregister-ScheduledTask'
)
