# Ferry as a container image: every service is a subcommand of the one jar (docker run IMAGE control ...).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -ntp -q -DskipTests -Dspotless.check.skip=true package

FROM eclipse-temurin:17-jre
RUN useradd --system --home /data ferry && mkdir -p /data && chown ferry /data
COPY --from=build /src/app/target/ferry.jar /opt/ferry/ferry.jar
USER ferry
WORKDIR /data
ENTRYPOINT ["java", "-jar", "/opt/ferry/ferry.jar"]
