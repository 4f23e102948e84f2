// Role assignments: the least set each principal needs, scoped to the containers it uses.
// Every role definition ID is a built-in role GUID, written out literally so the compiled
// template can be checked (see tests/Nudge.Infrastructure.Tests).
//
// App identity (user-assigned managed identity of the Functions container app):
// - Host storage account (AzureWebJobsStorage: host keys in azure-webjobs-secrets, blob-trigger
//   receipts and leases in azure-webjobs-hosts, the Durable Task backend's queues, tables and
//   lease blobs, whose names follow the task hub and are created at start-up): Storage Blob
//   Data Owner, Storage Queue Data Contributor, Storage Table Data Contributor. Only the app has
//   any role on this account.
// - Data account, per container: Storage Blob Data Contributor on the containers it writes
//   (indices, outputs, batch-out, uploads, moderation, quarantine, work), Storage Blob Data Reader on
//   those it only reads (batch-in, models, index-images); Storage Queue Data Contributor on the
//   blob trigger's poison queue only; Storage Blob Delegator on the account, which grants
//   nothing but user-delegation keys for the 15-minute read links.
// - Monitoring Metrics Publisher (Application Insights) and AcrPull (registry).
// Event Grid system topic identity: Storage Blob Data Contributor on eventgrid-deadletter only.
// Deploying user (optional, when principalId is set), data account only: Storage Blob Data
// Contributor on models, batch-in and index-images (uploads and drops), Reader on outputs and
// batch-out. Nothing on host storage, so never on azure-webjobs-secrets.

@description('Host storage account name (AzureWebJobsStorage).')
param hostStorageAccountName string

@description('Data storage account name (application containers).')
param dataStorageAccountName string

@description('Application Insights component name.')
param applicationInsightsName string

@description('Container registry name.')
param registryName string

@description('Principal ID of the app\'s user-assigned managed identity.')
param appPrincipalId string

@description('Principal ID of the Event Grid system topic\'s identity (dead-lettering).')
param eventGridPrincipalId string

@description('Optional principal ID of the deploying user or service principal; empty skips its role assignments.')
param userPrincipalId string = ''

@description('Type of userPrincipalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param userPrincipalType string = 'User'

var blobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var blobDataReader = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
var blobDelegator = 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
var queueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var tableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var metricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'
var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

var appWrites = [
  'indices'
  'outputs'
  'batch-out'
  'uploads'
  'moderation'
  'quarantine'
  'work'
]
var appReads = [
  'batch-in'
  'models'
  'index-images'
]
var userWrites = [
  'models'
  'batch-in'
  'index-images'
]
var userReads = [
  'outputs'
  'batch-out'
]

resource hostStorage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: hostStorageAccountName
}

resource dataStorage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: dataStorageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' existing = {
  parent: dataStorage
  name: 'default'
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' existing = {
  parent: dataStorage
  name: 'default'
}

resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' existing = {
  parent: queueService
  name: 'webjobs-blobtrigger-poison'
}

resource appWriteContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' existing = [
  for c in appWrites: {
    parent: blobService
    name: c
  }
]

resource appReadContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' existing = [
  for c in appReads: {
    parent: blobService
    name: c
  }
]

resource userWriteContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' existing = [
  for c in userWrites: {
    parent: blobService
    name: c
  }
]

resource userReadContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' existing = [
  for c in userReads: {
    parent: blobService
    name: c
  }
]

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' existing = {
  parent: blobService
  name: 'eventgrid-deadletter'
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

// App: host storage, account-wide (only the app uses this account).
resource appHostBlob 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, appPrincipalId, blobDataOwner)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appHostQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, appPrincipalId, queueDataContributor)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appHostTable 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, appPrincipalId, tableDataContributor)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// App: data account, per container.
resource appWrite 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (c, i) in appWrites: {
    name: guid(appWriteContainers[i].id, appPrincipalId, blobDataContributor)
    scope: appWriteContainers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource appRead 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (c, i) in appReads: {
    name: guid(appReadContainers[i].id, appPrincipalId, blobDataReader)
    scope: appReadContainers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1')
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource appPoisonQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(poisonQueue.id, appPrincipalId, queueDataContributor)
  scope: poisonQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appDelegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage.id, appPrincipalId, blobDelegator)
  scope: dataStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, metricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, appPrincipalId, acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Event Grid: writes undeliverable events to eventgrid-deadletter.
resource eventGridDeadLetter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, eventGridPrincipalId, blobDataContributor)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
    principalId: eventGridPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Deploying user: data containers only.
resource userWrite 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (c, i) in userWrites: if (!empty(userPrincipalId)) {
    name: guid(userWriteContainers[i].id, userPrincipalId, blobDataContributor)
    scope: userWriteContainers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
      principalId: userPrincipalId
      principalType: userPrincipalType
    }
  }
]

resource userRead 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (c, i) in userReads: if (!empty(userPrincipalId)) {
    name: guid(userReadContainers[i].id, userPrincipalId, blobDataReader)
    scope: userReadContainers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1')
      principalId: userPrincipalId
      principalType: userPrincipalType
    }
  }
]
