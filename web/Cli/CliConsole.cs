namespace SnapUpgrade.Web.Cli;

/// <summary>Standard input, output and error of one command: stdout carries only the result (a token, a password).</summary>
public sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error)
{
    public static CliConsole Process => new(Console.In, Console.Out, Console.Error);
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Refused = 1;
    public const int Usage = 2;
}
