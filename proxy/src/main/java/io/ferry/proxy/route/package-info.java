/**
 * Pure routing decisions over a key: which share of keys a ratio or a canary moves ({@link
 * io.ferry.proxy.route.KeySlice}), Redis glob patterns ({@link io.ferry.resp.KeyPattern}) and
 * the side serving each tenant's keys ({@link io.ferry.proxy.route.TenantRules}). Every type here is
 * immutable, allocation-free or nearly so, and safe to share between event loops; keys are read
 * between their reader and writer index and their indices are never moved.
 */
package io.ferry.proxy.route;
