# Helpers for the Pester suites of the PowerShell templates (templates/**/*.ps1).
# Templates are executed the way Azure Run Command executes them: the expanded script text (includes
# inlined), as a script file with named parameters. Only commands that cannot run here (Windows-only
# cmdlets, functions that touch the Windows machine) are replaced by Pester mocks.

$TemplatesRoot = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../templates'))
$IncludePattern = '^\s*#@include\s+(\S+)\s*$'
$IncludeNamePattern = '^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.ps1$'
$InstalledStubs = New-Object System.Collections.Generic.List[string]

# Same expansion as src/qlik/templates.ts: each "#@include <path under templates/>" line (lib/common.ps1,
# qlik/qrs.ps1, ...) is replaced by that file; a file is included at most once and includes nothing itself.
function Expand-Template {
    param([Parameter(Mandatory)][string]$Name)
    $seen = @{}
    $lines = foreach ($line in [IO.File]::ReadAllLines((Join-Path $TemplatesRoot $Name))) {
        if ($line -notmatch $IncludePattern) { $line; continue }
        $include = $Matches[1]
        if ($include -notmatch $IncludeNamePattern) { throw "$Name includes '$include', which is not a .ps1 path under templates/" }
        if ($seen.ContainsKey($include)) { throw "$Name includes '$include' twice" }
        $seen[$include] = $true
        $includePath = Join-Path $TemplatesRoot $include
        if (-not (Test-Path -LiteralPath $includePath -PathType Leaf)) { throw "$Name includes '$include', which does not exist" }
        $included = [IO.File]::ReadAllText($includePath)
        if ($included -match '(?m)^\s*#@include\s') { throw "$include must not include other files" }
        $included.TrimEnd()
    }
    ($lines -join "`n").TrimEnd() + "`n"
}

# Writes the expanded template to a file under Directory (use $TestDrive) and returns its path.
function Export-Template {
    param([Parameter(Mandatory)][string]$Name, [Parameter(Mandatory)][string]$Directory)
    $path = Join-Path $Directory ($Name -replace '[\\/]', '-')
    [IO.File]::WriteAllText($path, (Expand-Template -Name $Name))
    $path
}

# What Run Command is sent for a template (same as src/azure/script-envelope.ts envelopeScript): the
# envelope with its "#@template" line replaced by the template text, written to Path.
function Export-EnvelopeScript {
    param([Parameter(Mandatory)][string]$TemplateText, [Parameter(Mandatory)][string]$Path)
    $envelope = [IO.File]::ReadAllText((Join-Path $TemplatesRoot 'lib/envelope.ps1'))
    $marker = [regex]::new('(?m)^#@template$')
    if ($marker.Matches($envelope).Count -ne 1) { throw 'lib/envelope.ps1 must have one #@template line' }
    [IO.File]::WriteAllText($Path, $marker.Replace($envelope, { param($m) $TemplateText.TrimEnd() }))
    $Path
}

# An envelope input: base64url (RFC 4648 section 5, no padding) of the UTF-8 JSON of Inputs.
function ConvertTo-EnvelopeInput {
    param([hashtable]$Inputs = @{})
    $json = ConvertTo-Json -InputObject $Inputs -Compress
    [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($json)).TrimEnd('=').Replace('+', '-').Replace('/', '_')
}

# Pester can mock only commands that exist. Defines global stand-ins for:
#  -Definition @{ 'Get-LocalUser' = '[string]$Name' }: Windows-only cmdlets (skipped where the real command
#   exists, so on Windows the real cmdlet is mocked), with the parameters the script passes. Leave a
#   parameter untyped when a mock must tell "not passed" ($null) from $false.
#  -ScriptPath: every function the template defines, with its own param block, so tests can mock a
#   function such as "are we LocalSystem?" (a Pester mock is an alias, which wins over the script's function).
function Install-CommandStub {
    param([hashtable]$Definition = @{}, [string]$ScriptPath)
    $stubs = @{} + $Definition
    foreach ($name in @($stubs.Keys)) {
        if (Get-Command -Name $name -ErrorAction SilentlyContinue) { $stubs.Remove($name) }
        else { $stubs[$name] = '[CmdletBinding()] param(' + $Definition[$name] + ')' }
    }
    if ($ScriptPath) {
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($ScriptPath, [ref]$null, [ref]$null)
        $functions = $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false)
        foreach ($function in $functions) {
            $paramBlock = if ($function.Body.ParamBlock) { $function.Body.ParamBlock.Extent.Text } else { 'param()' }
            $stubs[$function.Name] = $paramBlock
        }
    }
    foreach ($name in $stubs.Keys) {
        Set-Item -Path "function:global:$name" -Value ([scriptblock]::Create($stubs[$name]))
        $InstalledStubs.Add($name)
    }
}

function Remove-CommandStub {
    # "function:global:<name>" would silently remove nothing; the plain path finds the global function.
    foreach ($name in $InstalledStubs) { Remove-Item -Path "function:$name" -ErrorAction SilentlyContinue }
    $InstalledStubs.Clear()
}

# Set-up shared by the template suites (BeforeAll): the expanded script written to Directory (use
# $TestDrive) and its path returned; its functions and the Windows-only commands it calls
# (WindowsCommand, see Install-CommandStub) stubbed for mocking; $env:COMPUTERNAME set as on the VM
# (Linux has none). Reset-TemplateTest (AfterAll) undoes the stubs and the machine name.
function Initialize-TemplateTest {
    param(
        [Parameter(Mandatory)][string]$Name,
        [Parameter(Mandatory)][string]$Directory,
        [hashtable]$WindowsCommand = @{},
        [string]$ComputerName = 'QSVM01'
    )
    $path = Export-Template -Name $Name -Directory $Directory
    Install-CommandStub -ScriptPath $path -Definition $WindowsCommand
    $script:SavedComputerName = $env:COMPUTERNAME
    $env:COMPUTERNAME = $ComputerName
    $path
}

function Reset-TemplateTest {
    Remove-CommandStub
    $env:COMPUTERNAME = $SavedComputerName
}

# A copy of Parameters with the entries of Change added or replaced.
function Join-TemplateParameter {
    param([hashtable]$Parameters, [hashtable]$Change = @{})
    $joined = @{} + $Parameters
    foreach ($key in $Change.Keys) { $joined[$key] = $Change[$key] }
    $joined
}

# Runs a template script file with named string parameters, in the CALLER's scope so that the caller's
# Pester mocks apply. Returns what Azure would report: exit code, stdout lines, stderr text, and the
# parsed ##qlik-azure[result] JSON.
function Invoke-Template {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Path, [hashtable]$Parameters = @{})
    $stderr = New-Object System.IO.StringWriter
    $originalStderr = [Console]::Error
    [Console]::SetError($stderr)
    try {
        $global:LASTEXITCODE = 0
        # InvokeScript runs this text dot-sourced in the caller's scope: the inner block gets its own scope
        # so that its parameters cannot clash with the caller's variables.
        $run = [scriptblock]::Create('& { param($templatePath, $templateParameters) & $templatePath @templateParameters *>&1 } @args')
        $records = $PSCmdlet.SessionState.InvokeCommand.InvokeScript($PSCmdlet.SessionState, $run, @($Path, $Parameters))
    } finally {
        [Console]::SetError($originalStderr)
    }
    $lines = @($records | ForEach-Object { "$_" })
    # Anything else on stdout eats into the 4 KB tail Azure keeps, and may be something never meant to be printed.
    $strayLines = @($lines | Where-Object { -not $_.StartsWith('##qlik-azure[') })
    if ($strayLines.Count -gt 0) { throw "$Path printed lines outside the ##qlik-azure protocol:`n$($strayLines -join "`n")" }
    $resultLines = @($lines | Where-Object { $_.StartsWith('##qlik-azure[result] ') })
    [pscustomobject]@{
        ExitCode    = $global:LASTEXITCODE
        Lines       = $lines
        Phases      = @($lines | Where-Object { $_.StartsWith('##qlik-azure[phase] ') } | ForEach-Object { $_.Substring(20) })
        ResultLines = $resultLines
        Result      = if ($resultLines.Count -eq 1) { $resultLines[0].Substring(21) | ConvertFrom-Json } else { $null }
        Stderr      = $stderr.ToString().Trim()
        AllText     = ($lines -join "`n") + "`n" + $stderr.ToString()
    }
}

# An obviously fake password that still satisfies Windows complexity rules; never a guide sample.
function New-FakeSecret {
    param([string]$Label = 'secret')
    'Fake-{0}-{1}9!' -f $Label, ([guid]::NewGuid().ToString('N').Substring(0, 10))
}

# A loopback URL on which nothing listens (connection refused), for "installer unreachable" tests.
function Get-ClosedLoopbackUrl {
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $probe.Start()
    $port = $probe.LocalEndpoint.Port
    $probe.Stop()
    "http://127.0.0.1:$port"
}

# Serves Files (@{ '/path' = [byte[]] }) over HTTP on 127.0.0.1 from a background runspace; any other
# path answers 404. Returns an object with BaseUrl and Stop().
function Start-LoopbackFileServer {
    param([Parameter(Mandatory)][hashtable]$Files)
    $listener = [System.Net.HttpListener]::new()
    $baseUrl = Get-ClosedLoopbackUrl
    $listener.Prefixes.Add("$baseUrl/")
    $listener.Start()
    $serve = {
        param($listener, $files)
        while ($listener.IsListening) {
            try { $context = $listener.GetContext() } catch { break }
            $body = $files[$context.Request.Url.AbsolutePath]
            if ($null -eq $body) { $context.Response.StatusCode = 404; $body = [byte[]]@() }
            $context.Response.ContentLength64 = $body.Length
            $context.Response.OutputStream.Write($body, 0, $body.Length)
            $context.Response.Close()
        }
    }
    $runspace = [powershell]::Create().AddScript($serve).AddArgument($listener).AddArgument($Files)
    $null = $runspace.BeginInvoke()
    $server = [pscustomobject]@{ BaseUrl = $baseUrl; Listener = $listener; Runspace = $runspace }
    $server | Add-Member -MemberType ScriptMethod -Name Stop -Value {
        $this.Listener.Stop()
        $this.Listener.Close()
        $this.Runspace.Dispose()
    }
    $server
}

Export-ModuleMember -Function Expand-Template, Export-Template, Export-EnvelopeScript, ConvertTo-EnvelopeInput, Install-CommandStub, Remove-CommandStub,
    Initialize-TemplateTest, Reset-TemplateTest, Join-TemplateParameter, Invoke-Template, New-FakeSecret, Get-ClosedLoopbackUrl, Start-LoopbackFileServer
