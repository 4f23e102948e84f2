// Role assignments: the least set the Functions app needs, plus optional data-plane
// access for the deploying user. Every role definition ID is a built-in role GUID,
// written out literally so the compiled template can be checked (see
// tests/Nudge.Infrastructure.Tests).
//
// App identity (user-assigned managed identity of the Functions container app):
// - Storage Blob Data Owner (storage account): AzureWebJobsStorage host storage. The
//   Functions documentation lists Blob Data Owner for the host identity and for blob
//   triggers: the host keeps blob-trigger receipts and singleton/listener leases in
//   azure-webjobs-hosts, its keys in azure-webjobs-secrets, and the app reads and writes
//   the application containers. Over Storage Blob Data Contributor, Owner only adds POSIX
//   ACL management on hierarchical-namespace accounts, which this account is not.
// - Storage Queue Data Contributor (storage account): Durable Task Azure Storage backend
//   (control and work-item queues) and the blob trigger's poison queue.
// - Storage Table Data Contributor (storage account): Durable Task history and instance
//   tables.
// - Monitoring Metrics Publisher (Application Insights): telemetry with Entra auth, as
//   local auth is disabled on the component.
// - AcrPull (registry): image pulls with the managed identity.
// Deliberately absent: Storage Account Contributor (the Functions docs add it for the
// polling blob trigger, which turns on storage analytics logs; Nudge's blob triggers use
// the Event Grid source, so no control-plane right over the account is needed) and any
// role that can read account keys.
//
// Deploying user (optional, when principalId is set):
// - Storage Blob Data Contributor (storage account): upload model exports to `models`,
//   drop batch files into `batch-in`, read `outputs`.

@description('Storage account name.')
param storageAccountName string

@description('Application Insights component name.')
param applicationInsightsName string

@description('Container registry name.')
param registryName string

@description('Principal ID of the app\'s user-assigned managed identity.')
param appPrincipalId string

@description('Optional principal ID of the deploying user or service principal; empty skips its role assignments.')
param userPrincipalId string = ''

@description('Type of userPrincipalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param userPrincipalType string = 'User'

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

// Storage Blob Data Owner
resource appBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Queue Data Contributor
resource appQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Table Data Contributor
resource appTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Monitoring Metrics Publisher
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// AcrPull
resource appAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, appPrincipalId, '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Blob Data Contributor for the deploying user (model uploads, batch drops).
resource userBlobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(storage.id, userPrincipalId, 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}
