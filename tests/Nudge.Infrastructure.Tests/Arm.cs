using System.Text.Json;
using System.Text.RegularExpressions;

namespace Nudge.Infrastructure.Tests;

/// <summary>Navigation helpers over compiled ARM templates (array or symbolic-name form).</summary>
internal static partial class Arm
{
    /// <summary>Resources of a template (not those of nested deployments).</summary>
    public static IEnumerable<JsonElement> Resources(JsonElement template)
    {
        if (!template.TryGetProperty("resources", out var resources))
        {
            yield break;
        }

        if (resources.ValueKind == JsonValueKind.Array)
        {
            foreach (var resource in resources.EnumerateArray())
            {
                yield return resource;
            }
        }
        else if (resources.ValueKind == JsonValueKind.Object)
        {
            foreach (var resource in resources.EnumerateObject())
            {
                yield return resource.Value;
            }
        }
    }

    /// <summary>Every resource, descending into nested deployments (Bicep modules).</summary>
    public static IEnumerable<JsonElement> AllResources(JsonElement template)
    {
        foreach (var resource in Resources(template))
        {
            yield return resource;
            if (TypeOf(resource) == "Microsoft.Resources/deployments"
                && resource.TryGetProperty("properties", out var properties)
                && properties.TryGetProperty("template", out var nested))
            {
                foreach (var inner in AllResources(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Declared (not 'existing') resources of a type, anywhere in the template.</summary>
    public static List<JsonElement> Declared(JsonElement template, string type) =>
        AllResources(template)
            .Where(r => string.Equals(TypeOf(r), type, StringComparison.OrdinalIgnoreCase) && !IsExisting(r))
            .ToList();

    /// <summary>The single declared resource of a type.</summary>
    public static JsonElement Single(JsonElement template, string type)
    {
        var found = Declared(template, type);
        Assert.True(found.Count == 1, $"expected exactly one {type}, found {found.Count}");
        return found[0];
    }

    /// <summary>The nested deployment (module) whose template declares a resource of a type.</summary>
    public static JsonElement ModuleDeclaring(JsonElement template, string type)
    {
        foreach (var resource in AllResources(template))
        {
            if (TypeOf(resource) == "Microsoft.Resources/deployments"
                && resource.GetProperty("properties").TryGetProperty("template", out var nested)
                && Resources(nested).Any(r => string.Equals(TypeOf(r), type, StringComparison.OrdinalIgnoreCase) && !IsExisting(r)))
            {
                return resource;
            }
        }

        throw new InvalidOperationException($"no module declares {type}");
    }

    public static string TypeOf(JsonElement resource) =>
        resource.TryGetProperty("type", out var type) ? type.GetString() ?? "" : "";

    public static bool IsExisting(JsonElement resource) =>
        resource.TryGetProperty("existing", out var existing) && existing.ValueKind == JsonValueKind.True;

    /// <summary>Follows a dotted path of property names (array indexes as numbers).</summary>
    public static JsonElement At(JsonElement element, string path)
    {
        var current = element;
        foreach (var part in path.Split('.'))
        {
            if (current.ValueKind == JsonValueKind.Array && int.TryParse(part, out var index))
            {
                current = current[index];
                continue;
            }

            Assert.True(
                current.ValueKind == JsonValueKind.Object && current.TryGetProperty(part, out current),
                $"missing '{part}' of '{path}'");
        }

        return current;
    }

    public static bool TryAt(JsonElement element, string path, out JsonElement value)
    {
        value = element;
        foreach (var part in path.Split('.'))
        {
            if (value.ValueKind == JsonValueKind.Array && int.TryParse(part, out var index) && index < value.GetArrayLength())
            {
                value = value[index];
                continue;
            }

            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(part, out value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The role definition GUID inside a roleDefinitionId expression or ID.</summary>
    public static string RoleGuid(JsonElement roleAssignment)
    {
        var id = At(roleAssignment, "properties.roleDefinitionId").GetString() ?? "";
        var match = GuidPattern().Match(id);
        Assert.True(match.Success, $"no literal role definition GUID in '{id}'");
        return match.Value.ToLowerInvariant();
    }

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex GuidPattern();
}
