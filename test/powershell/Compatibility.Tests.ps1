# Run Command executes templates with Windows PowerShell 5.1, but these tests run them under PowerShell 7,
# which would happily accept PS7-only syntax. This suite parses every template and rejects what 5.1 lacks.
BeforeDiscovery {
    $templatesRoot = Join-Path $PSScriptRoot '../../templates'
    $script:Templates = @(Get-ChildItem -Path $templatesRoot -Filter '*.ps1' -Recurse | ForEach-Object {
            @{ Name = [IO.Path]::GetRelativePath($templatesRoot, $_.FullName); Path = $_.FullName }
        })
}

BeforeAll {
    # AST node types that only exist in PowerShell 7: "a && b", "a || b", "c ? x : y".
    $script:Ps7OnlyNodes = @{ PipelineChainAst = 'pipeline chain && / ||'; TernaryExpressionAst = 'ternary operator ? :' }
    # Tokens for ??, ??=, ?. and ?[.
    $script:Ps7OnlyTokens = @{ QuestionQuestion = '??'; QuestionQuestionEquals = '??='; QuestionDot = '?.'; QuestionLBracket = '?[' }
    $script:Ps7OnlyCommands = @('Test-Json', 'Get-Error', 'Join-String', 'ConvertFrom-Markdown', 'Get-Uptime', 'Remove-Alias')
    $webParameters = @('SkipCertificateCheck', 'ResponseHeadersVariable', 'StatusCodeVariable', 'SkipHttpErrorCheck', 'NoProxy',
        'Authentication', 'Token', 'Form', 'Resume', 'MaximumRetryCount', 'RetryIntervalSec', 'SslProtocol', 'SkipHeaderValidation')
    $script:Ps7OnlyParameters = @{
        'ForEach-Object'    = @('Parallel', 'ThrottleLimit', 'AsJob')
        '%'                 = @('Parallel', 'ThrottleLimit', 'AsJob')
        'Invoke-WebRequest' = $webParameters
        'Invoke-RestMethod' = $webParameters
        'ConvertFrom-Json'  = @('AsHashtable', 'Depth', 'NoEnumerate')
        'ConvertTo-Json'    = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
        'Join-Path'         = @('AdditionalChildPath')
        'Get-Content'       = @('AsByteStream')
        'Set-Content'       = @('AsByteStream')
        'Add-Content'       = @('AsByteStream')
        'Split-Path'        = @('LeafBase', 'Extension')
        'Select-String'     = @('Raw', 'NoEmphasis')
    }

    # Join-Path in 5.1 takes one parent and one child; PS7 binds extra positional children.
    function script:Get-PositionalArgumentCount {
        param([System.Management.Automation.Language.CommandAst]$Command, [string[]]$Switches)
        $count = 0
        $elements = $Command.CommandElements
        for ($index = 1; $index -lt $elements.Count; $index++) {
            $element = $elements[$index]
            if ($element -is [System.Management.Automation.Language.CommandParameterAst]) {
                if ($null -eq $element.Argument -and $Switches -notcontains $element.ParameterName) { $index++ }
            } else {
                $count++
            }
        }
        $count
    }

    # Returns "line N: construct" for every construct Windows PowerShell 5.1 cannot run.
    function script:Find-Ps7OnlyConstruct {
        param([string]$ScriptText)
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($ScriptText, [ref]$tokens, [ref]$errors)
        foreach ($parseError in $errors) { "line $($parseError.Extent.StartLineNumber): parse error: $($parseError.Message)" }
        foreach ($token in $tokens) {
            if ($Ps7OnlyTokens.ContainsKey("$($token.Kind)")) { "line $($token.Extent.StartLineNumber): operator $($Ps7OnlyTokens["$($token.Kind)"])" }
        }
        foreach ($node in $ast.FindAll({ param($node) $true }, $true)) {
            $typeName = $node.GetType().Name
            if ($Ps7OnlyNodes.ContainsKey($typeName)) { "line $($node.Extent.StartLineNumber): $($Ps7OnlyNodes[$typeName])" }
            if ($node -isnot [System.Management.Automation.Language.CommandAst]) { continue }
            $commandName = $node.GetCommandName()
            if (-not $commandName) { continue }
            if ($Ps7OnlyCommands -contains $commandName) { "line $($node.Extent.StartLineNumber): command $commandName" }
            foreach ($parameter in @($node.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] })) {
                if (@($Ps7OnlyParameters[$commandName]) -contains $parameter.ParameterName) { "line $($node.Extent.StartLineNumber): $commandName -$($parameter.ParameterName)" }
            }
            if ($commandName -eq 'Join-Path' -and (Get-PositionalArgumentCount -Command $node -Switches 'Resolve') -gt 2) {
                "line $($node.Extent.StartLineNumber): Join-Path with more than two positional paths"
            }
        }
    }
}

Describe 'Windows PowerShell 5.1 compatibility of templates' {
    It '<Name> uses nothing that Windows PowerShell 5.1 lacks' -ForEach $Templates {
        $problems = @(Find-Ps7OnlyConstruct -ScriptText (Get-Content -Raw -LiteralPath $Path))
        $problems -join "`n" | Should -BeNullOrEmpty -Because "Run Command runs $Name with Windows PowerShell 5.1"
    }

    It 'finds <Construct>' -ForEach @(
        @{ Construct = 'a pipeline chain'; Text = 'Get-Item a && Get-Item b'; Expected = 'line 1: pipeline chain && / ||' }
        @{ Construct = 'a ternary'; Text = "`$x = 1`n`$y = `$x ? 'a' : 'b'"; Expected = 'line 2: ternary operator ? :' }
        @{ Construct = 'null coalescing'; Text = '$y = $x ?? 1'; Expected = 'line 1: operator ??' }
        @{ Construct = 'null-coalescing assignment'; Text = '$y ??= 1'; Expected = 'line 1: operator ??=' }
        @{ Construct = 'null-conditional member access'; Text = '${x}?.Name'; Expected = 'line 1: operator ?.' }
        @{ Construct = 'ForEach-Object -Parallel'; Text = '1..2 | ForEach-Object -Parallel { $_ }'; Expected = 'line 1: ForEach-Object -Parallel' }
        @{ Construct = '-SkipCertificateCheck'; Text = 'Invoke-RestMethod -Uri $u -SkipCertificateCheck'; Expected = 'line 1: Invoke-RestMethod -SkipCertificateCheck' }
        @{ Construct = '-ResponseHeadersVariable'; Text = 'Invoke-WebRequest $u -ResponseHeadersVariable h'; Expected = 'line 1: Invoke-WebRequest -ResponseHeadersVariable' }
        @{ Construct = 'ConvertFrom-Json -AsHashtable'; Text = '$j | ConvertFrom-Json -AsHashtable'; Expected = 'line 1: ConvertFrom-Json -AsHashtable' }
        @{ Construct = 'Join-Path with three children'; Text = 'Join-Path $a b c'; Expected = 'line 1: Join-Path with more than two positional paths' }
        @{ Construct = 'a parse error'; Text = 'if ($x {'; Expected = 'line 1: parse error: *' }
    ) {
        Find-Ps7OnlyConstruct -ScriptText $Text | Should -BeLike $Expected
    }

    It 'accepts what 5.1 has: Join-Path with two paths and -Resolve, ConvertFrom-Json without -AsHashtable' {
        Find-Ps7OnlyConstruct -ScriptText "Join-Path -Path `$a -ChildPath b -Resolve`nJoin-Path `$a b`n`$j | ConvertFrom-Json`nif (`$a -and `$b) { 1 }" | Should -BeNullOrEmpty
    }
}
