// Nudge: Azure infrastructure for azd (Azure Developer CLI).
// Subscription-scoped so it can create the resource group, tagged azd-env-name as azd
// expects. Everything else is deployed into that group by the modules under modules/.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Primary region. For serverless GPUs pick a region that offers them and where the subscription has GPU quota (see docs/deploy.md).')
param location string

@description('Optional principal ID of the deploying user (azd sets AZURE_PRINCIPAL_ID); gets Storage Blob Data Contributor to upload models and batch files.')
param principalId string = ''

@description('Comma-separated public address ranges allowed through the data account\'s network rules (e.g. the deployer\'s address, to upload models and drop batch files); every other network is denied. Empty: only the app\'s subnet.')
param deployerIpRanges string = ''

@description('Type of principalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Serverless GPU of the Functions app: T4 (Consumption-GPU-NC8as-T4), A100 (Consumption-GPU-NC24-A100) or None (CPU-only Consumption profile).')
@allowed([
  'T4'
  'A100'
  'None'
])
param gpuProfile string = 'T4'

// At least one warm replica is recommended on GPU: scaling from zero means pulling a
// multi-GB image and loading the Stable Diffusion model before the first answer (minutes).
// Durable Functions on the Azure Storage backend does not drive Container Apps scaling
// either, so orchestrations only progress while a replica runs. Set 0 to trade cold starts
// for no idle cost.
@description('Minimum replicas of the Functions app (>= 1 recommended on GPU).')
@minValue(0)
@maxValue(1000)
param minReplicas int = 1

@description('Maximum replicas of the Functions app (each GPU replica uses one GPU of quota).')
@minValue(1)
@maxValue(1000)
param maxReplicas int = 1

@description('Image of the functions service; azd fills it (SERVICE_FUNCTIONS_IMAGE_NAME) after the first deploy. Empty means a placeholder image.')
param functionsImageName string = ''

@description('Optional models/<name> blob prefix the app downloads to Nudge__ModelPath at start-up.')
param modelBlobPrefix string = ''

@description('ONNX Runtime execution provider for the app.')
@allowed([
  'cuda'
  'cpu'
  'auto'
])
param executionProvider string = 'auto'

@description('Optional blobs_extension system key of the deployed app. When set, the Event Grid subscriptions are deployed as ARM resources; when empty the azd hooks create them.')
@secure()
param blobsExtensionKey string = ''

var abbreviations = {
  resourceGroup: 'rg-'
  logAnalytics: 'log-'
  applicationInsights: 'appi-'
  storage: 'st'
  identity: 'id-'
  registry: 'cr'
  containerAppsEnvironment: 'cae-'
  functionsApp: 'func-'
  systemTopic: 'evgt-'
  virtualNetwork: 'vnet-'
}

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'nudge'
}

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: '${abbreviations.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: '${abbreviations.logAnalytics}${resourceToken}'
    applicationInsightsName: '${abbreviations.applicationInsights}${resourceToken}'
  }
}

module network 'modules/network.bicep' = {
  name: 'network'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbreviations.virtualNetwork}${resourceToken}'
  }
}

// Application data: the containers, with roles scoped to each.
module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbreviations.storage}${resourceToken}'
    queueNames: [
      'webjobs-blobtrigger-poison'
    ]
    allowedSubnetIds: [
      network.outputs.appsSubnetId
    ]
    allowedIpRanges: empty(deployerIpRanges) ? [] : map(split(deployerIpRanges, ','), r => trim(r))
  }
}

// Host storage: the Functions host and the Durable Task backend; only the app has a role here.
module hostStorage 'modules/storage.bicep' = {
  name: 'host-storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbreviations.storage}h${resourceToken}'
    containerNames: []
    allowedSubnetIds: [
      network.outputs.appsSubnetId
    ]
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbreviations.identity}func-${resourceToken}'
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbreviations.registry}${resourceToken}'
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    hostStorageAccountName: hostStorage.outputs.name
    dataStorageAccountName: storage.outputs.name
    eventGridPrincipalId: eventGrid.outputs.principalId
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    registryName: registry.outputs.name
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

module containerAppsEnvironment 'modules/container-apps-environment.bicep' = {
  name: 'container-apps-environment'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbreviations.containerAppsEnvironment}${resourceToken}'
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    infrastructureSubnetId: network.outputs.appsSubnetId
    gpuProfile: gpuProfile
  }
}

module functionsApp 'modules/functions-app.bicep' = {
  name: 'functions-app'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbreviations.functionsApp}${resourceToken}'
    environmentId: containerAppsEnvironment.outputs.id
    workloadProfileName: containerAppsEnvironment.outputs.appWorkloadProfileName
    gpuProfile: gpuProfile
    image: functionsImageName
    registryLoginServer: registry.outputs.loginServer
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    hostStorageAccountName: hostStorage.outputs.name
    storageAccountName: storage.outputs.name
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    minReplicas: minReplicas
    maxReplicas: maxReplicas
    modelBlobPrefix: modelBlobPrefix
    executionProvider: executionProvider
  }
  // The first revision pulls from the registry and reads host storage with the identity.
  dependsOn: [
    roles
  ]
}

module eventGrid 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbreviations.systemTopic}${resourceToken}'
    storageAccountName: storage.outputs.name
  }
}

module eventGridSubscriptions 'modules/eventgrid-subscriptions.bicep' = if (!empty(blobsExtensionKey)) {
  name: 'eventgrid-subscriptions'
  scope: rg
  params: {
    systemTopicName: eventGrid.outputs.name
    deadLetterStorageAccountId: storage.outputs.id
    functionsHost: functionsApp.outputs.fqdn
    blobsExtensionKey: blobsExtensionKey
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = containerAppsEnvironment.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_HOST_STORAGE_ACCOUNT_NAME string = hostStorage.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output FUNCTIONS_APP_NAME string = functionsApp.outputs.name
output FUNCTIONS_URI string = functionsApp.outputs.uri
output EVENTGRID_SYSTEM_TOPIC_NAME string = eventGrid.outputs.name
output GPU_PROFILE string = gpuProfile
