// Container Apps managed environment (workload profiles) with an optional serverless GPU
// workload profile. Logs go to Log Analytics through Azure Monitor diagnostic settings
// (destination 'azure-monitor'), which needs no workspace shared key.
// A GPU workload profile can only be added when the environment is created: changing
// gpuProfile later means a new environment (azd down / new azd env).

@description('Azure region. Serverless GPUs exist only in some regions (see docs/deploy.md).')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Environment name.')
param name string

@description('Log Analytics workspace resource ID for the diagnostic settings.')
param logAnalyticsWorkspaceId string

@description('Infrastructure subnet (delegated to Microsoft.App/environments, with the Microsoft.Storage service endpoint).')
param infrastructureSubnetId string

@description('Serverless GPU for the app: T4, A100, or None for the CPU-only Consumption profile.')
@allowed([
  'T4'
  'A100'
  'None'
])
param gpuProfile string = 'T4'

var gpuWorkloadProfiles = {
  T4: {
    name: 'NC8as-T4'
    workloadProfileType: 'Consumption-GPU-NC8as-T4'
  }
  A100: {
    name: 'NC24-A100'
    workloadProfileType: 'Consumption-GPU-NC24-A100'
  }
}

var consumptionProfile = {
  name: 'Consumption'
  workloadProfileType: 'Consumption'
}

resource environment 'Microsoft.App/managedEnvironments@2025-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    // On the virtual network, so that storage can deny every other network.
    vnetConfiguration: {
      infrastructureSubnetId: infrastructureSubnetId
      internal: false
    }
    workloadProfiles: gpuProfile == 'None'
      ? [
          consumptionProfile
        ]
      : [
          consumptionProfile
          gpuWorkloadProfiles[gpuProfile]
        ]
    zoneRedundant: false
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs-to-workspace'
  scope: environment
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'ContainerAppConsoleLogs'
        enabled: true
      }
      {
        category: 'ContainerAppSystemLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output id string = environment.id
output name string = environment.name
output defaultDomain string = environment.properties.defaultDomain
@description('Workload profile name the app should run on.')
output appWorkloadProfileName string = gpuProfile == 'None' ? consumptionProfile.name : gpuWorkloadProfiles[gpuProfile].name
