// The Nudge Functions app: Azure Functions on Azure Container Apps in the native shape,
// a Microsoft.App/containerApps resource with kind 'functionapp' (the Container Apps
// platform then configures the Functions-specific scale rules and key management).
// Every connection is identity-based through the user-assigned managed identity; the
// template holds no secret.

@description('Azure region.')
param location string

@description('Tags applied to every resource (the azd service tag is added here).')
param tags object

@description('Container app name (2-32 lowercase letters, digits and dashes).')
@minLength(2)
@maxLength(32)
param name string

@description('Container Apps environment resource ID.')
param environmentId string

@description('Workload profile the app runs on (a Consumption GPU profile, or Consumption).')
param workloadProfileName string

@description('GPU profile of that workload profile; sizes the replica (T4: 8 vCPU/56 GiB, A100: 24 vCPU/220 GiB, None: 4 vCPU/8 GiB).')
@allowed([
  'T4'
  'A100'
  'None'
])
param gpuProfile string

@description('Container image. azd sets it to the image it built; empty uses a public Functions placeholder until the first azd deploy.')
param image string = ''

@description('Login server of the registry the image comes from.')
param registryLoginServer string

@description('Resource ID of the user-assigned managed identity.')
param identityId string

@description('Client ID of the user-assigned managed identity.')
param identityClientId string

@description('Host storage account (AzureWebJobsStorage, the Durable Task backend, host keys).')
param hostStorageAccountName string

@description('Data storage account (the NudgeStorage connection: indices, outputs, uploads, ...).')
param storageAccountName string

@description('Application Insights connection string (not a secret: local auth is disabled, ingestion needs Entra auth).')
param applicationInsightsConnectionString string

@description('Port the Functions host listens on (the image runs as a non-root user, so 8080 rather than 80).')
param containerPort int = 8080

@description('Minimum replicas. Keep at least 1 on GPU: a cold replica has to pull a large image and load the model before it answers. 0 allows scale to zero (no cost when idle, minutes of cold start).')
@minValue(0)
@maxValue(1000)
param minReplicas int = 1

@description('Maximum replicas (each GPU replica needs its own GPU quota).')
@minValue(1)
@maxValue(1000)
param maxReplicas int = 1

@description('Local folder with the Stable Diffusion ONNX layout (an EmptyDir volume is mounted at /models).')
param modelPath string = '/models/sd'

@description('Optional blob prefix (models/<name>) downloaded to modelPath at start-up; empty means the model is already at modelPath.')
param modelBlobPrefix string = ''

@description('ONNX Runtime execution provider.')
@allowed([
  'cuda'
  'cpu'
  'auto'
])
param executionProvider string = 'auto'

// A public Functions quickstart image (pinned tag) that answers until azd deploys the real one.
// ASPNETCORE_URLS below makes it listen on containerPort like the Nudge image, so the
// ingress target port is right before and after azd deploy swaps the image.
var placeholderImage = 'mcr.microsoft.com/azure-functions/dotnet8-quickstart-demo:1.0'

var replicaSizes = {
  T4: {
    cpu: 8
    memory: '56Gi'
  }
  A100: {
    cpu: 24
    memory: '220Gi'
  }
  None: {
    cpu: 4
    memory: '8Gi'
  }
}

var blobServiceUri = 'https://${storageAccountName}.blob.${environment().suffixes.storage}'
var queueServiceUri = 'https://${storageAccountName}.queue.${environment().suffixes.storage}'

// The Functions host ID must be stable across replicas and revisions (leases, receipts and
// keys are keyed by it) and at most 32 characters.
var hostId = take(toLower(name), 32)

resource app 'Microsoft.App/containerApps@2025-07-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: workloadProfileName
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: containerPort
        transport: 'auto'
        allowInsecure: false
        traffic: [
          {
            latestRevision: true
            weight: 100
          }
        ]
      }
      registries: [
        {
          server: registryLoginServer
          identity: identityId
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'functions'
          image: empty(image) ? placeholderImage : image
          resources: {
            cpu: replicaSizes[gpuProfile].cpu
            memory: replicaSizes[gpuProfile].memory
          }
          env: [
            {
              name: 'FUNCTIONS_WORKER_RUNTIME'
              value: 'dotnet-isolated'
            }
            {
              // The host's Kestrel endpoint (the image default is port 80, which a non-root
              // process cannot bind).
              name: 'ASPNETCORE_URLS'
              value: 'http://+:${containerPort}'
            }
            {
              name: 'AzureFunctionsWebHost__hostid'
              value: hostId
            }
            // Host storage (also the Durable Task Azure Storage backend): identity-based.
            {
              name: 'AzureWebJobsStorage__accountName'
              value: hostStorageAccountName
            }
            {
              name: 'AzureWebJobsStorage__credential'
              value: 'managedidentity'
            }
            {
              name: 'AzureWebJobsStorage__clientId'
              value: identityClientId
            }
            // Function keys (and the blobs_extension system key Event Grid calls with) live
            // in azure-webjobs-secrets in host storage, reached with the identity above.
            {
              name: 'AzureWebJobsSecretStorageType'
              value: 'blob'
            }
            // Application storage connection 'NudgeStorage' (blob triggers use the Event Grid
            // source; the trigger also needs the queue endpoint for its poison queue).
            {
              name: 'NudgeStorage__BlobServiceUri'
              value: blobServiceUri
            }
            {
              name: 'NudgeStorage__queueServiceUri'
              value: queueServiceUri
            }
            {
              name: 'NudgeStorage__credential'
              value: 'managedidentity'
            }
            {
              name: 'NudgeStorage__ClientId'
              value: identityClientId
            }
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              value: applicationInsightsConnectionString
            }
            {
              name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
              value: 'ClientId=${identityClientId};Authorization=AAD'
            }
            {
              name: 'AZURE_CLIENT_ID'
              value: identityClientId
            }
            {
              name: 'Nudge__ModelPath'
              value: modelPath
            }
            {
              name: 'Nudge__ModelBlobPrefix'
              value: modelBlobPrefix
            }
            {
              name: 'Nudge__ExecutionProvider'
              value: executionProvider
            }
          ]
          volumeMounts: [
            {
              volumeName: 'models'
              mountPath: '/models'
            }
          ]
        }
      ]
      volumes: [
        {
          // Replica-local scratch space the model is downloaded into at start-up.
          name: 'models'
          storageType: 'EmptyDir'
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
      }
    }
  }
}

output id string = app.id
output name string = app.name
output fqdn string = app.properties.configuration.ingress.fqdn
output uri string = 'https://${app.properties.configuration.ingress.fqdn}'
