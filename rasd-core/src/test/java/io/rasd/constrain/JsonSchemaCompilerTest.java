package io.rasd.constrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import org.junit.jupiter.api.Test;

class JsonSchemaCompilerTest {

    static Grammar schema(String json) {
        return Grammar.jsonSchema(json.replace('\'', '"'));
    }

    @Test
    void objectsWriteTheirPropertiesInSchemaOrderRequiredOnesAlwaysOptionalOnesMaybe() {
        Grammar g = schema("{'type':'object','properties':{'name':{'type':'string'},'age':{'type':'integer'},"
                + "'tags':{'type':'array','items':{'type':'string'}}},'required':['name','tags'],"
                + "'additionalProperties':false}");
        assertThat(g.matches("{\"name\":\"Ann\",\"age\":41,\"tags\":[]}")).isTrue();
        assertThat(g.matches("{\"name\":\"Ann\",\"tags\":[\"x\",\"y\"]}")).isTrue();
        assertThat(g.matches("{ \"name\" : \"Ann\" , \"tags\" : [ ] }")).isTrue();
        assertThat(g.matches("{\"name\":\"Ann\",\"age\":41}"))
                .as("tags is required")
                .isFalse();
        assertThat(g.matches("{\"tags\":[],\"name\":\"Ann\"}"))
                .as("schema order")
                .isFalse();
        assertThat(g.matches("{\"name\":\"Ann\",\"age\":4.5,\"tags\":[]}"))
                .as("an integer")
                .isFalse();
        assertThat(g.matches("{\"name\":\"Ann\",\"nick\":\"A\",\"tags\":[]}"))
                .as("no other keys")
                .isFalse();
        assertThat(g.matches("{\"name\":1,\"tags\":[]}")).isFalse();
    }

    @Test
    void keysThatShareAPrefixAreToldApart() {
        Grammar g = schema("{'properties':{'a':{'type':'integer'},'ab':{'type':'boolean'},'abc':{'type':'null'}}}");
        assertThat(g.matches("{\"a\":1,\"ab\":true,\"abc\":null}")).isTrue();
        assertThat(g.matches("{\"ab\":false}")).isTrue();
        assertThat(g.matches("{\"abc\":null}")).isTrue();
        assertThat(g.matches("{}")).isTrue();
        assertThat(g.matches("{\"ab\":1}")).isFalse();
        assertThat(g.matches("{\"abcd\":null}")).isFalse();
    }

    @Test
    void enumsConstsAndTypeListsAreFixedSpellings() {
        Grammar g = schema("{'properties':{'color':{'enum':['red','green','réd',1,12,null,{'x':[1]}]},"
                + "'v':{'const':'1.0'},'n':{'type':['integer','null']},'b':{'type':'boolean','nullable':true}},"
                + "'required':['color','v','n','b']}");
        for (String color : new String[] {"\"red\"", "\"green\"", "\"réd\"", "1", "12", "null", "{\"x\":[1]}"}) {
            assertThat(g.matches("{\"color\":" + color + ",\"v\":\"1.0\",\"n\":3,\"b\":null}"))
                    .as(color)
                    .isTrue();
        }
        assertThat(g.matches("{\"color\":\"blue\",\"v\":\"1.0\",\"n\":3,\"b\":true}"))
                .isFalse();
        assertThat(g.matches("{\"color\":2,\"v\":\"1.0\",\"n\":3,\"b\":true}")).isFalse();
        assertThat(g.matches("{\"color\":\"red\",\"v\":1.0,\"n\":3,\"b\":true}"))
                .isFalse();
        assertThat(g.matches("{\"color\":\"red\",\"v\":\"1.0\",\"n\":null,\"b\":false}"))
                .isTrue();
        assertThat(g.matches("{\"color\":\"red\",\"v\":\"1.0\",\"n\":\"3\",\"b\":false}"))
                .isFalse();
    }

    @Test
    void anyOfFollowsEveryAlternativeUntilTheBytesTellThemApart() {
        Grammar g = schema("{'anyOf':[{'properties':{'kind':{'const':'circle'},'r':{'type':'number'}},"
                + "'required':['kind','r']},{'properties':{'kind':{'const':'rect'},'w':{'type':'number'},"
                + "'h':{'type':'number'}},'required':['kind','w','h']}]}");
        assertThat(g.matches("{\"kind\":\"circle\",\"r\":1.5}")).isTrue();
        assertThat(g.matches("{\"kind\":\"rect\",\"w\":1,\"h\":2}")).isTrue();
        assertThat(g.matches("{\"kind\":\"rect\",\"r\":1}")).isFalse();
        assertThat(schema("{'oneOf':[{'type':'string'},{'type':'integer'}]}").matches("7"))
                .isTrue();
    }

    @Test
    void arrayAndStringBoundsCountItemsAndCharacters() {
        Grammar g = schema("{'type':'array','items':{'type':'string','minLength':1,'maxLength':2},"
                + "'minItems':1,'maxItems':2}");
        assertThat(g.matches("[\"a\"]")).isTrue();
        assertThat(g.matches("[\"ab\",\"é🙂\"]")).as("characters, not bytes").isTrue();
        assertThat(g.matches("[\"\\n\\u0041\"]"))
                .as("an escape is one character")
                .isTrue();
        assertThat(g.matches("[]")).isFalse();
        assertThat(g.matches("[\"a\",\"b\",\"c\"]")).isFalse();
        assertThat(g.matches("[\"\"]")).isFalse();
        assertThat(g.matches("[\"abc\"]")).isFalse();
    }

    @Test
    void localReferencesMayBeRecursive() {
        Grammar g = schema("{'$defs':{'node':{'type':'object','properties':{'v':{'type':'integer'},"
                + "'kids':{'type':'array','items':{'$ref':'#/$defs/node'}}},'required':['v']}},"
                + "'$ref':'#/$defs/node'}");
        assertThat(g.matches("{\"v\":1,\"kids\":[{\"v\":2},{\"v\":3,\"kids\":[{\"v\":4,\"kids\":[]}]}]}"))
                .isTrue();
        assertThat(g.matches("{\"v\":1,\"kids\":[{\"w\":2}]}")).isFalse();
    }

    @Test
    void annotationsAreIgnoredAndAnEmptySchemaIsAnyValue() {
        Grammar g = schema("{'$schema':'https://json-schema.org/draft/2020-12/schema','title':'T','description':'d',"
                + "'type':'object','properties':{'when':{'type':'string','format':'date-time','examples':['x']}},"
                + "'additionalProperties':false}");
        assertThat(g.matches("{\"when\":\"yesterday\"}")).isTrue();
        assertThat(schema("{}").matches("[1,{\"a\":null}]")).isTrue();
        assertThat(schema("{'type':'object'}").matches("{\"any\":[1]}")).isTrue();
    }

    @Test
    void anUnsupportedKeywordIsNamedByItsJsonPointerWithWhatIsSupported() {
        assertThatThrownBy(() -> schema("{'type':'object','properties':{'name':{'type':'string','pattern':'^a'}}}"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("\"pattern\" at /properties/name/pattern")
                .hasMessageContaining("supported: type");
        assertThatThrownBy(() -> schema("{'allOf':[{'type':'string'}]}")).hasMessageContaining("at /allOf");
        assertThatThrownBy(() -> schema("{'properties':{'a/b':{'minimum':0}}}"))
                .hasMessageContaining("at /properties/a~1b/minimum");
        assertThatThrownBy(() -> schema("{'properties':{'a':{}},'additionalProperties':{'type':'string'}}"))
                .hasMessageContaining("additionalProperties as a schema at /additionalProperties");
        assertThatThrownBy(() -> schema("{'properties':{'a':{}},'required':['b']}"))
                .hasMessageContaining("required property \"b\" at /required/0");
        assertThatThrownBy(() -> schema("{'type':'date'}")).hasMessageContaining("the type \"date\" at /type");
        assertThatThrownBy(() -> schema("{'items':{'$ref':'#/$defs/missing'}}"))
                .hasMessageContaining("\"#/$defs/missing\" at /items/$ref points to nothing");
        assertThatThrownBy(() -> schema("{'$ref':'https://example.com/s.json'}"))
                .hasMessageContaining("only local ones");
        assertThatThrownBy(() -> schema("{'type':'string','maxLength':-1}"))
                .hasMessageContaining("maxLength at /maxLength");
        assertThatThrownBy(() -> Grammar.jsonSchema("{not json")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> schema("{'enum':[]}"))
                .hasMessageContaining("an empty enum (no value matches it) at /enum");
    }
}
