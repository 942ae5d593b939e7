package io.rasd.samples.springrag;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every chat request the rasd chat model receives (the starter attaches ChatModelListener beans); tests import it. */
class RecordingListener implements ChatModelListener {

    final List<ChatRequest> requests = new CopyOnWriteArrayList<>();

    @Override
    public void onRequest(ChatModelRequestContext context) {
        requests.add(context.chatRequest());
    }
}
