/**
 * Scale-out ({@code rasd.feed.*}): a store of record in PostgreSQL ({@link io.rasd.spring.feed.RasdFeedStore}) that
 * every replica follows ({@link io.rasd.spring.feed.RasdFeedReplica}) into its own embedding index and token
 * datastore; see {@code docs/architecture.md}, "Scale-out: the feed".
 */
package io.rasd.spring.feed;
