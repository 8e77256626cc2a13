public class Hello {
    public static void main(String[] args) throws Exception {
        // Touching a JMS class proves the jars are on the classpath.
        Class.forName("org.apache.activemq.ActiveMQConnectionFactory");
        System.out.println("hello " + String.join(" ", args));
    }
}
