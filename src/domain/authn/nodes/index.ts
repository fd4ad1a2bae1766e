import {
  AttributeCollector,
  ChoiceCollector,
  Message,
  PasswordCollector,
  PollingWait,
  UsernameCollector,
} from './collectors.js';
import {
  AccountActiveDecision,
  AccountLockout,
  DataStoreDecision,
  IncrementLoginCount,
  RetryLimitDecision,
  SetSessionProperties,
} from './decisions.js';
import { AcceptTermsAndConditions, PlatformPassword, PlatformUsername } from './platform.js';
import { HiddenValueCollector, MetadataNode, RedirectNode, TextInputCollector } from './stand-ins.js';
import type { NodeType } from './types.js';

/**
 * Every node type a tree may use, by its configuration name. `Page` and `InnerTreeEvaluator`
 * are handled by the journey engine itself, since they contain other nodes or trees.
 */
export const nodeTypes: Readonly<Record<string, NodeType>> = {
  UsernameCollector,
  PasswordCollector,
  ChoiceCollector,
  AttributeCollector,
  Message,
  PollingWait,
  DataStoreDecision,
  AccountActiveDecision,
  RetryLimitDecision,
  AccountLockout,
  IncrementLoginCount,
  SetSessionProperties,
  PlatformUsername,
  PlatformPassword,
  AcceptTermsAndConditions,
  TextInputCollector,
  HiddenValueCollector,
  MetadataNode,
  RedirectNode,
};

export const PAGE = 'Page';
export const INNER_TREE = 'InnerTreeEvaluator';
