import { Body, Controller, Delete, Get, HttpCode, Post, Put, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import type { FastifyReply } from 'fastify';
import { Roles } from '../common/auth/access.decorators.js';
import { AcceptsPackages } from '../common/uploads/package-uploads.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { ValidBody, ValidParam } from '../common/validation/zod.js';
import {
  AddPublisherKeyBody,
  EnablePluginBody,
  SetNetworkBody,
  keyIdParam,
  PluginDisabled,
  PluginEnabled,
  PluginList,
  PluginNetwork,
  PluginVersionDetail,
  PluginVersionSummary,
  PluginView,
  PublisherKeyList,
  PublisherKeyView,
  pluginNameParam,
  pluginVersionParam,
} from './dto/plugin-registry.dto.js';
import { PluginApprovalsService } from './plugin-approvals.service.js';
import { PluginRegistryService } from './plugin-registry.service.js';

@ApiTags('plugins')
@Controller('v1/plugins')
export class PluginRegistryController {
  constructor(
    private readonly registry: PluginRegistryService,
    private readonly approvals: PluginApprovalsService,
  ) {}

  /** Publishes a signed package (`baton plugin publish` uploads it). */
  @ApiOperation({ summary: 'Publish a signed plugin package' })
  @Responds(201, PluginVersionDetail)
  @Fails(409, 'The version is published already')
  @Fails(422, 'The package, its manifest or its signature is not valid')
  @Post()
  @Roles('publisher')
  @AcceptsPackages()
  @ApiConsumes('application/octet-stream')
  @ApiBody({
    description: 'The package archive: a gzipped tar of manifest.json, manifest.sig and bundle.mjs',
    schema: { type: 'string', format: 'binary' },
  })
  async publish(@CurrentPrincipal() principal: Principal, @Body() archive: Buffer, @Res({ passthrough: true }) reply: FastifyReply) {
    const published = await this.registry.publish(principal, archive);
    reply.status(201);
    return published;
  }

  /** The catalogue: every plugin, its versions, and whether this tenant has it enabled. */
  @ApiOperation({ summary: 'List the plugin catalogue' })
  @Responds(200, PluginList)
  @Get()
  @Roles('viewer', 'publisher')
  list(@CurrentPrincipal() principal: Principal) {
    return this.registry.list(principal);
  }

  @ApiOperation({ summary: 'Get a plugin' })
  @Responds(200, PluginView)
  @Get(':name')
  @Roles('viewer', 'publisher')
  get(@CurrentPrincipal() principal: Principal, @ValidParam('name', pluginNameParam) name: string) {
    return this.registry.get(principal, name);
  }

  /** The signed manifest, its signature and the step schemas of one version. */
  @ApiOperation({ summary: 'Get one version of a plugin: manifest, signature, step schemas' })
  @Responds(200, PluginVersionDetail)
  @Get(':name/versions/:version')
  @Roles('viewer', 'publisher')
  getVersion(@ValidParam('name', pluginNameParam) name: string, @ValidParam('version', pluginVersionParam) version: string) {
    return this.registry.getVersion(name, version);
  }

  /** Enables the plugin for this tenant and approves the egress, secrets and raw network a version asks for. */
  @ApiOperation({ summary: 'Enable a plugin for the tenant and approve what a version asks for' })
  @Responds(200, PluginEnabled)
  @Fails(409, '`version_yanked`: the version is yanked')
  @Post(':name/enable')
  @Roles('admin')
  @HttpCode(200)
  enable(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', pluginNameParam) name: string,
    @ValidBody(EnablePluginBody) body: EnablePluginBody,
  ) {
    return this.approvals.enable(principal, name, body);
  }

  /** The `host:port` endpoints this tenant lets the plugin's steps connect to (raw network, through the worker's relay). */
  @ApiOperation({ summary: 'Set the raw network endpoints a plugin may connect to' })
  @Responds(200, PluginNetwork)
  @Put(':name/network')
  @Roles('admin')
  setNetwork(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', pluginNameParam) name: string,
    @ValidBody(SetNetworkBody) body: SetNetworkBody,
  ) {
    return this.approvals.setNetwork(principal, name, body);
  }

  @ApiOperation({ summary: 'Disable a plugin for the tenant' })
  @Responds(200, PluginDisabled)
  @Post(':name/disable')
  @Roles('admin')
  @HttpCode(200)
  disable(@CurrentPrincipal() principal: Principal, @ValidParam('name', pluginNameParam) name: string) {
    return this.approvals.disable(principal, name);
  }

  /** Hides a version from new pipeline versions; those already pinned to it keep running it. The publishing tenant's publisher or operator (API.md). */
  @ApiOperation({ summary: 'Yank a plugin version' })
  @Responds(200, PluginVersionSummary)
  @Post(':name/versions/:version/yank')
  @Roles('publisher', 'operator')
  @HttpCode(200)
  yank(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', pluginNameParam) name: string,
    @ValidParam('version', pluginVersionParam) version: string,
  ) {
    return this.registry.yank(principal, name, version);
  }
}

@ApiTags('plugins')
@Controller('v1/publishers/keys')
export class PublisherKeysController {
  constructor(
    private readonly registry: PluginRegistryService,
    private readonly approvals: PluginApprovalsService,
  ) {}

  /** Registers an Ed25519 public key; the first one also claims the tenant's publisher name. */
  @ApiOperation({ summary: 'Register a publisher key' })
  @Responds(201, PublisherKeyView)
  @Fails(409, '`publisher_taken`, `publisher_exists` or `key_exists`')
  @Post()
  @Roles('publisher')
  async add(
    @CurrentPrincipal() principal: Principal,
    @ValidBody(AddPublisherKeyBody) body: AddPublisherKeyBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const key = await this.registry.addKey(principal, body);
    reply.status(201);
    return key;
  }

  @ApiOperation({ summary: "List the tenant's publisher keys" })
  @Responds(200, PublisherKeyList)
  @Get()
  @Roles('publisher')
  list(@CurrentPrincipal() principal: Principal) {
    return this.registry.listKeys(principal);
  }

  /** Revokes a key: packages signed with it are refused from now on. */
  @ApiOperation({ summary: 'Revoke a publisher key' })
  @Responds(204)
  @Delete(':id')
  @Roles('publisher')
  @HttpCode(204)
  revoke(@CurrentPrincipal() principal: Principal, @ValidParam('id', keyIdParam) id: string) {
    return this.registry.revokeKey(principal, id);
  }
}
