# The QRS steps run under Windows PowerShell 5.1 on the VM; the suites run them under PowerShell 7.
# This catches PowerShell 7-only syntax and parameters that the 5.1 parser or cmdlets would reject.
BeforeDiscovery {
    $script:Steps = Get-ChildItem (Join-Path $PSScriptRoot '../../../templates/qlik') -Filter '*.ps1' |
        ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } }
}

Describe 'templates/qlik/<Name> is Windows PowerShell 5.1 compatible' -ForEach $Steps {
    BeforeAll {
        $tokens = $null
        $script:Ast = [Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$null)
        $script:Tokens = $tokens
    }

    It 'has no ternary, null-coalescing, null-conditional or && / || pipeline chains' {
        $newSyntax = $Ast.FindAll({
                param($node)
                $node.GetType().Name -in 'TernaryExpressionAst', 'PipelineChainAst' -or
                ($node -is [Management.Automation.Language.BinaryExpressionAst] -and $node.Operator -eq 'QuestionQuestion') -or
                ($node -is [Management.Automation.Language.AssignmentStatementAst] -and $node.Operator -eq 'QuestionQuestionEquals') -or
                ($node -is [Management.Automation.Language.MemberExpressionAst] -and $node.NullConditional)
            }, $true)
        @($newSyntax | ForEach-Object { "line $($_.Extent.StartLineNumber): $($_.Extent.Text)" }) | Should -BeNullOrEmpty
    }

    It 'uses no PowerShell 7-only parameters' {
        $sevenOnly = 'Parallel', 'SkipCertificateCheck', 'AsHashtable', 'ResponseHeadersVariable', 'NoProxy', 'SslProtocol'
        @($Tokens | Where-Object { $_.Kind -eq 'Parameter' -and $_.ParameterName -in $sevenOnly } | ForEach-Object Text) | Should -BeNullOrEmpty
    }
}
