/**
 * The workload analyzer: a Kafka Streams topology over the traffic topic ({@link
 * io.ferry.analyzer.AnalyzerTopology}) folding commands into bounded, mergeable traffic profiles
 * ({@link io.ferry.analyzer.ProfileSketch}) published per window and overall to the analysis topic
 * and kept in queryable stores; run by {@link io.ferry.analyzer.Analyzer}. {@link
 * io.ferry.analyzer.AnalysisTopicReader} folds the analysis topic back, and the {@link
 * io.ferry.analyzer.Recommender} turns the profile and the source's INFO into a target size, a
 * strategy, policies and warnings. See docs/analyzer.md.
 */
package io.ferry.analyzer;
