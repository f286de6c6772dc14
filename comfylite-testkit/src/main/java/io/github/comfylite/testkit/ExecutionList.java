package io.github.comfylite.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * ComfyUI's {@code ExecutionList}/{@code TopologicalSort}: which node runs next. Reproduced closely
 * (stack-based discovery, insertion-ordered pending set, {@code ux_friendly_pick_node}) so that the
 * order of independent nodes matches a real server for the same graph, e.g. 4, 5, 7, 6, 3, 8, 9 for
 * the SD1.5 fixture graph.
 */
final class ExecutionList {
    private final ObjectNode graph;
    private final Predicate<String> isCached;
    private final Predicate<String> isOutput;
    private final LinkedHashMap<String, Boolean> pending = new LinkedHashMap<>();
    private final Map<String, Integer> blockCount = new HashMap<>();
    private final Map<String, Set<String>> blocking = new HashMap<>();

    ExecutionList(ObjectNode graph, Predicate<String> isCached, Predicate<String> isOutput) {
        this.graph = graph;
        this.isCached = isCached;
        this.isOutput = isOutput;
    }

    static boolean isLink(JsonNode v) {
        return v.isArray() && v.size() == 2 && v.get(0).isTextual() && v.get(1).isIntegralNumber();
    }

    void addNode(String root) {
        Deque<String> stack = new ArrayDeque<>();
        stack.addLast(root);
        List<String[]> links = new ArrayList<>();
        while (!stack.isEmpty()) {
            String id = stack.removeLast();
            if (pending.containsKey(id)) {
                continue;
            }
            pending.put(id, Boolean.TRUE);
            blockCount.put(id, 0);
            blocking.putIfAbsent(id, new LinkedHashSet<>());
            Iterator<Map.Entry<String, JsonNode>> it = graph.get(id).path("inputs").fields();
            while (it.hasNext()) {
                JsonNode v = it.next().getValue();
                if (isLink(v)) {
                    String from = v.get(0).asText();
                    if (!isCached.test(from)) {
                        stack.addLast(from);
                    }
                    links.add(new String[] {from, id});
                }
            }
        }
        for (String[] link : links) {
            String from = link[0];
            if (!isCached.test(from)) {
                addNode(from);
                if (blocking.get(from).add(link[1])) {
                    blockCount.merge(link[1], 1, Integer::sum);
                }
            }
        }
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** The next node to run; the graph is validated, so something is always available. */
    String next() {
        List<String> available = new ArrayList<>();
        for (String id : pending.keySet()) {
            if (blockCount.get(id) == 0) {
                available.add(id);
            }
        }
        if (available.isEmpty()) {
            throw new IllegalStateException("dependency cycle among " + pending.keySet());
        }
        for (String id : available) {
            if (isOutput.test(id)) {
                return id;
            }
        }
        for (String id : available) {
            for (String blocked : blocking.get(id)) {
                if (isOutput.test(blocked)) {
                    return id;
                }
            }
        }
        for (String id : available) {
            for (String blocked : blocking.get(id)) {
                for (String blocked2 : blocking.getOrDefault(blocked, Set.of())) {
                    if (isOutput.test(blocked2)) {
                        return id;
                    }
                }
            }
        }
        return available.get(0);
    }

    void complete(String id) {
        pending.remove(id);
        for (String blocked : blocking.getOrDefault(id, Set.of())) {
            blockCount.merge(blocked, -1, Integer::sum);
        }
    }
}
