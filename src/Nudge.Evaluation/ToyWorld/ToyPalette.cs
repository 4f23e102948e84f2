namespace Nudge.Evaluation.ToyWorld;

/// <summary>The toy world's 10 colours (<c>models/recipe/toyworld.py</c> <c>COLOURS</c>).</summary>
public static class ToyPalette
{
    /// <summary>Colour names and RGB values, in the recipe's order.</summary>
    public static readonly (string Name, byte R, byte G, byte B)[] Colours =
    [
        ("red", 220, 30, 30), ("green", 30, 170, 50), ("blue", 30, 60, 220), ("yellow", 240, 220, 30), ("purple", 140, 40, 180),
        ("orange", 250, 140, 20), ("white", 245, 245, 245), ("black", 15, 15, 15), ("cyan", 30, 210, 220), ("pink", 250, 130, 190),
    ];

    /// <summary>The index of a colour name, or −1.</summary>
    /// <param name="name">A colour name.</param>
    /// <returns>Its index.</returns>
    public static int IndexOf(string name) => Array.FindIndex(Colours, c => c.Name == name);

    /// <summary>
    /// The subject a toy-world prompt asks for: the last colour word followed by a shape word ("the vermeer painting of
    /// a red circle" → red circle). Null when the prompt names none (then the oracle does not apply).
    /// </summary>
    /// <param name="prompt">The prompt.</param>
    /// <returns>(colour, shape) or null.</returns>
    public static (string Colour, string Shape)? Subject(string prompt)
    {
        var words = prompt.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int i = words.Length - 2; i >= 0; i--)
        {
            if (IndexOf(words[i]) >= 0 && ToyShapes.Names.Contains(words[i + 1]))
            {
                return (words[i], words[i + 1]);
            }
        }

        return null;
    }
}
